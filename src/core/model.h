/*
 * model.h — an autoencoder over table columns: the per-column encodings,
 * the network (encoder, bottleneck, decoder), its parameters, the options it
 * was trained with and what training measured.
 *
 * A row reaches the core as two arrays of length ncols: t, the column values
 * already scaled by the rows layer (numeric: standardised; boolean: 0/1;
 * categorical: the class index as a number), and m, 1 where the value is
 * observed and 0 where it is missing.  ae_model_inputs turns them into the
 * network's input vector; each column has its own output head and loss.
 */
#ifndef AE_MODEL_H
#define AE_MODEL_H

#include "core/adversary.h"
#include "core/core.h"
#include "core/rng.h"

#define AE_MAX_HIDDEN 7			/* hidden layers on each side */
#define AE_MAX_LAYERS (2 * (AE_MAX_HIDDEN + 1))
#define AE_NAME_MAX 64			/* bytes of a column name, NUL included */
#define AE_MAX_COLUMNS 1600		/* PostgreSQL's MaxHeapAttributeNumber */
#define AE_MAX_CATEGORIES 65535
#define AE_MAX_WIDTH 16384		/* widest layer */
#define AE_MAX_EPOCHS 100000
#define AE_MAX_BATCH 65536		/* largest mini-batch */
#define AE_MAX_DISC_WIDTH 4096	/* widest layer of an aae's discriminator */
#define AE_TF_MAX_TOKENS 512	/* columns of a transformer */
#define AE_TF_MAX_DEPTH 16		/* its blocks */
#define AE_TF_MAX_WIDTH 1024	/* its tokens' width */
#define AE_TF_MAX_ROW_FLOATS ((size_t) 1 << 25)	/* scratch one row's pass may take (128 MB) */

typedef enum AeKind
{
	AE_KIND_AE = 0,				/* encoder–bottleneck–decoder */
	AE_KIND_DENOISING = 1,		/* trained on inputs with Gaussian noise and masking */
	AE_KIND_SPARSE = 2,			/* sigmoid code, its units' mean activations pulled to a target by KL */
	AE_KIND_CONTRACTIVE = 3,	/* penalty on the whole encoder's Jacobian (expected squared norm) */
	AE_KIND_VAE = 4,			/* variational: latent mean and log-variance, KL to N(0, I) */
	AE_KIND_CVAE = 5,			/* variational, encoder and decoder given a condition column */
	AE_KIND_LSTM = 6,			/* a sequence (an array column) read and rewritten by LSTMs */
	AE_KIND_CONV = 7,			/* an image (an array column) through convolutions */
	AE_KIND_AAE = 8,			/* adversarial: a discriminator shapes the codes into N(0, I) */
	AE_KIND_TRANSFORMER = 9		/* columns as tokens through self-attention, trained by masking */
} AeKind;

#define AE_KIND_COUNT 10

/* Does a kind have a variational latent (mean and log-variance)? */
#define AE_KIND_IS_VARIATIONAL(k) ((k) == AE_KIND_VAE || (k) == AE_KIND_CVAE)

/* Does a kind's latent follow the prior N(0, I), so that decoding samples of it generates rows? */
#define AE_KIND_GENERATES(k) (AE_KIND_IS_VARIATIONAL(k) || (k) == AE_KIND_AAE)

/*
 * How a model scores a row.  Variational kinds: elbo, reconstruction or
 * elbo_samples; the others: reconstruction or distance.
 */
typedef enum AeScoreMode
{
	AE_SCORE_ELBO = 0,			/* negative ELBO: reconstruction at the latent mean + KL */
	AE_SCORE_RECONSTRUCTION = 1,	/* the reconstruction loss (at the latent mean) */
	AE_SCORE_ELBO_SAMPLES = 2,	/* negative ELBO averaged over AE_SCORE_SAMPLES draws */
	AE_SCORE_DISTANCE = 3		/* reconstruction loss over the training rows' mean, plus the
								 * code's squared Mahalanobis distance from the training
								 * rows' codes over latent: see ae_model_fit_distance */
} AeScoreMode;

#define AE_SCORE_SAMPLES 16
#define AE_DISTANCE_MAX_LATENT 128	/* widest latent the distance score covers */

/* Name of a score mode ("distance"), NULL when out of range. */
const char *ae_score_name(int score);

/* Is score mode s one that a model of kind k can have? */
#define AE_SCORE_FITS_KIND(s, k) (AE_KIND_IS_VARIATIONAL(k) \
	? (s) >= AE_SCORE_ELBO && (s) <= AE_SCORE_ELBO_SAMPLES \
	: (s) == AE_SCORE_RECONSTRUCTION || (s) == AE_SCORE_DISTANCE)

/* Name of a kind ("ae"), NULL when out of range; and back, -1 when unknown. */
const char *ae_kind_name(int kind);
int			ae_kind_from_name(const char *name);

/*
 * The latent activation a kind trains with: sigmoid for the sparse kind
 * (the code its penalty makes sparse is what the decoder reads), identity
 * for every other kind.  Sparse models of formats 1 to 4 have a linear
 * latent; their options say so.
 */
int			ae_kind_latent_activation(int kind);

/*
 * The contractive penalty's step σ: it compares the encoder at x and at
 * x + σ·v, v a random direction (see ae_model_draw_probe), on inputs in
 * standard units.
 */
#define AE_CONTRACTIVE_STEP 1e-2

typedef enum AeColKind
{
	AE_COL_NUMERIC = 0,			/* one input, one linear output, squared error */
	AE_COL_BOOLEAN = 1,			/* one input, one logit, binary cross-entropy */
	AE_COL_CATEGORICAL = 2		/* one-hot in, softmax out, cross-entropy */
} AeColKind;

/* Numeric transforms applied before standardising. */
typedef enum AeTransform
{
	AE_TF_NONE = 0,
	AE_TF_LOG1P = 1,			/* x ↦ log(1 + x), for skewed non-negative columns */
	AE_TF_SIGNED_LOG1P = 2		/* x ↦ sign(x) log(1 + |x|), for skewed columns with negative
								 * values (format 9 on) */
} AeTransform;

#define AE_COLFLAG_INDICATOR 0x01	/* a missing-indicator input follows the column's inputs */
#define AE_COLFLAG_CONDITION 0x02	/* cvae: an input to encoder and decoder, not reconstructed */

#define AE_MAX_DIMS 3			/* dimensions of an array column */

typedef struct AeColumn
{
	char		name[AE_NAME_MAX];
	uint8_t		kind;			/* AeColKind */
	uint8_t		sqltype;		/* the SQL type's code, meaningful to the rows layer */
	uint8_t		transform;		/* AeTransform */
	uint8_t		flags;			/* AE_COLFLAG_* */
	float		center;			/* numeric: z = (T(x) - center) / scale */
	float		scale;
	float		lo;				/* smallest and largest raw value seen in training */
	float		hi;
	float		weight;			/* multiplies the column's loss */
	int			ncat;			/* categorical: vocabulary size (an "other" class follows) */
	char	  **cats;			/* categorical: ncat NUL-terminated values */
	/* an element of an array column (numeric): ndim > 0, the array's shape and its place */
	int			ndim;			/* 0: a column of its own */
	int			dims[AE_MAX_DIMS];
	int			elem;			/* 0-based, in row-major order */

	/* derived by ae_model_layout */
	int			in_off;
	int			in_width;
	int			out_off;
	int			out_width;
} AeColumn;

typedef struct AeLayer
{
	int			nin;
	int			nout;
	int			act;			/* AeActivation */
	size_t		w_off;			/* offset of W: (nout, nin) in params */
	size_t		b_off;			/* offset of b: (nout) in params */
	size_t		pk_off;			/* offset of its layout for one row in packed (ae_model_pack) */
} AeLayer;

/* Options as actually used: every default already resolved. */
typedef struct AeOptions
{
	int			kind;
	int			activation;		/* of hidden layers; outputs are linear */
	int			latent_activation;	/* of the latent layer: ae_kind_latent_activation, or
									 * identity (any model of formats 1 to 4) */
	int			nhidden;
	int			hidden[AE_MAX_HIDDEN];	/* encoder widths; the decoder mirrors them */
	int			latent;
	int			epochs;
	int			batch_size;
	double		learning_rate;
	double		weight_decay;
	double		grad_clip;
	double		val_share;		/* share of sampled rows held out for validation */
	double		mask;			/* share of observed values hidden from the input per batch */
	double		noise;			/* denoising: std. dev. of Gaussian noise on numeric inputs */
	double		sparsity;		/* sparse: weight of the KL rate penalty */
	double		sparsity_target;	/* sparse: target mean activation of each latent unit */
	double		contractive;	/* contractive: weight of the encoder Jacobian penalty */
	double		beta;			/* variational: weight of the KL term in training */
	int			score;			/* variational: AeScoreMode */
	int			shape_ndim;		/* conv: the image's shape over its array's elements, */
	int			shape[AE_MAX_DIMS];	/* 0 dimensions: the array's own shape */
	double		adversarial;	/* aae: weight of the encoder's adversarial term */
	int			ndisc;			/* aae: the discriminator's hidden layers */
	int			disc[AE_MAX_HIDDEN];
	double		disc_learning_rate;	/* aae: the discriminator's Adam rate */
	int			depth;			/* transformer: its blocks, */
	int			heads;			/* the attention heads of each, */
	int			width;			/* and its tokens' width (a multiple of heads) */
	int64_t		max_rows;		/* reservoir size */
	uint64_t	seed;
} AeOptions;

/* What training measured. */
typedef struct AeMetrics
{
	int64_t		rows_seen;		/* rows fed to training, before sampling */
	int			rows_used;		/* rows trained and validated on */
	int			n_train;
	int			n_val;
	double		seconds;
	int			epochs_run;
	int			best_epoch;		/* 1-based epoch whose weights were kept */
	float	   *train_loss;		/* (epochs_run) mean row loss */
	float	   *val_loss;		/* (epochs_run) mean row loss; NaN without validation rows */
} AeMetrics;

/*
 * The lstm kind's network (seq.c): its sequence has T steps, the elements
 * of its one array column, each step's input that element's value and
 * missing indicator (ni of them), then the conditions' inputs (cw: the
 * other modelled columns, flagged AE_COLFLAG_CONDITION, given at every
 * step and never reconstructed).  K stacked LSTMs encode (layer k has
 * units[k] units, opt.hidden[k]) and K decode, mirrored (decoder layer j
 * has units[K - 1 - j]).  Offsets of its parameters in params:
 *   encoder layer k: enc_wx[k] (4·units, its input: ni + cw, or the layer
 *   below's units), enc_wh[k], enc_b[k];
 *   latent = lat_w (L, units[K-1]) · h_T of the last layer + lat_b;
 *   decoder layer j's initial state h_0 = tanh(init_w[j] · latent + init_b[j]), c_0 = 0;
 *   decoder layer j: dec_wx[j] (its input: the latent and the conditions at
 *   every step for j = 0, the layer below's states above), dec_wh[j], dec_b[j];
 *   each step's value = out_w (1, units[0]) · h_t of the last decoder layer + out_b.
 */
typedef struct AeSeqLayout
{
	int			T;
	int			K;				/* stacked layers on each side */
	int			units[AE_MAX_HIDDEN];
	int			ni;
	int			cw;				/* the conditions' inputs */
	int			step[AE_MAX_COLUMNS];	/* step t's column */
	size_t		enc_wx[AE_MAX_HIDDEN],
				enc_wh[AE_MAX_HIDDEN],
				enc_b[AE_MAX_HIDDEN],
				lat_w,
				lat_b,
				init_w[AE_MAX_HIDDEN],
				init_b[AE_MAX_HIDDEN],
				dec_wx[AE_MAX_HIDDEN],
				dec_wh[AE_MAX_HIDDEN],
				dec_b[AE_MAX_HIDDEN],
				out_w,
				out_b;
} AeSeqLayout;

/*
 * The conv kind's network (convnet.c): its image is the model's one array
 * column, (C, H, W) from a 2-D (C = 1) or 3-D array, or from the array's
 * elements read in the shape of opt.shape, each pixel's inputs
 * its value and its missing indicator, so 2C input channels.  Stage i of
 * the encoder (opt.hidden[i] filters, 3 × 3, stride 2, padding 1) takes
 * (ch[i], h[i], w[i]) to (ch[i + 1], h[i + 1], w[i + 1]); the last stage's
 * output, flattened, gives the latent through a dense layer; the decoder
 * mirrors: a dense layer back to the last stage's output, then per stage,
 * last first, upsampling to (h[i], w[i]) and a 3 × 3 convolution (stride 1)
 * to ch[i] channels (C for the first stage: the image's values).
 */
typedef struct AeConvLayout
{
	int			nstages;
	int			C;				/* the image's channels */
	int			kh;				/* kernel rows: 3, or 1 over a single row (a 1-D signal) */
	int			ch[AE_MAX_HIDDEN + 1];
	int			h[AE_MAX_HIDDEN + 1];
	int			w[AE_MAX_HIDDEN + 1];
	size_t		enc_w[AE_MAX_HIDDEN],
				enc_b[AE_MAX_HIDDEN],
				lat_w,
				lat_b,
				dec_in_w,
				dec_in_b,
				dec_w[AE_MAX_HIDDEN],	/* stage i's decoder convolution, to dec_out(i) channels */
				dec_b[AE_MAX_HIDDEN];
	size_t		cols;			/* scratch of the widest convolution, per image */
} AeConvLayout;

/*
 * The transformer kind's network (tfnet.c).  Every column is a token of
 * width D: its column's embedding col_emb[c] plus its value's, that is the
 * column's inputs (a number, ±1 for a boolean, a category's one-hot) times
 * its rows of val_emb (at row in_off − c: every column has an indicator
 * input, which is not embedded), or for a missing or hidden cell the mask
 * token.  K pre-norm blocks follow, each
 *
 *     h += Wo · attention(LN1(h) Wq, LN1(h) Wk, LN1(h) Wv)    (H heads, the
 *                                    hidden tokens dropped as keys)
 *     h += W2 · gelu(W1 · LN2(h))                             (F = 4·D)
 *
 * then a final layer norm; the latent is the mean of the final tokens
 * through a dense layer (L), and column c's head reads its final token
 * and the latent, [h_c; z] (D + L), into its outputs: head_w rows
 * [out_off, out_off + out_width) of (n_out, D + L), and head_b.
 */
typedef struct AeTfLayout
{
	int			T;				/* tokens: the model's columns */
	int			D;
	int			H;
	int			F;
	int			K;
	size_t		col_emb,		/* (T, D) */
				val_emb,		/* (n_in − T, D) */
				mask_emb,		/* (D) */
				ln1_g[AE_TF_MAX_DEPTH],
				ln1_b[AE_TF_MAX_DEPTH],
				wq[AE_TF_MAX_DEPTH],	/* (D, D) and bias (D) after it, for each of q, k, v, o */
				wk[AE_TF_MAX_DEPTH],
				wv[AE_TF_MAX_DEPTH],
				wo[AE_TF_MAX_DEPTH],
				ln2_g[AE_TF_MAX_DEPTH],
				ln2_b[AE_TF_MAX_DEPTH],
				w1[AE_TF_MAX_DEPTH],	/* (F, D), bias (F) */
				w2[AE_TF_MAX_DEPTH],	/* (D, F), bias (D) */
				lnf_g,
				lnf_b,
				lat_w,			/* (L, D), bias (L) */
				head_w,			/* (n_out, D + L) */
				head_b;			/* (n_out) */
} AeTfLayout;

typedef struct AeModel
{
	AeOptions	opt;
	int			ncols;
	AeColumn   *cols;			/* (ncols) */

	/* derived by ae_model_layout */
	int			n_in;
	int			n_out;
	int			plain_outputs;	/* 1: every column numeric of weight 1, output c column
								 * c's: the loss's plain case */
	int			nlayers;
	int			nencoder;		/* layers [0, nencoder) encode; the last gives the latent */
	int			cond_col;		/* cvae: the condition column, -1 otherwise */
	int			dec_in;			/* inputs of the first decoder layer: latent + condition width */
	AeLayer		layers[AE_MAX_LAYERS];
	AeSeqLayout seq;			/* the lstm kind's network (no layers) */
	AeConvLayout conv;			/* the conv kind's network (no layers) */
	AeTfLayout	tf;				/* the transformer kind's network (no layers) */
	size_t		nparams;

	ae_real    *params;			/* (nparams) every W and b, one buffer */
	ae_real    *packed;			/* NULL, or the dense layers laid out for one row at a time
								 * (ae_model_pack); params must not change after */
	AeMetrics	metrics;

	/* score distance: what ae_model_fit_distance measured on the training rows */
	double		recon_mean;		/* their mean reconstruction loss */
	ae_real    *code_center;	/* (latent) their mean code */
	ae_real    *code_whiten;	/* (latent, latent) lower triangular W, W Σ Wᵀ = I for the
								 * codes' (ridged) covariance Σ; zero above the diagonal */

	/* imputation: what ae_model_fit_impute measured; NULL in models of format 5 and older */
	ae_real    *impute_shrink;	/* (ncols) weight of the network's prediction, in [0, 1] */
	ae_real    *impute_prior;	/* (n_out) what it is blended with: a numeric column's mean
								 * (network units), a boolean's share of true, a categorical
								 * column's class shares */

	/*
	 * the training rows' scores (ae_model_fit_quantiles): their quantiles at
	 * ae_quantile_prob(i) for i in [0, AE_QUANTILES), non-decreasing; NULL in
	 * models of format 8 and older
	 */
	int			score_rows;		/* rows scored; 0 without quantiles */
	double	   *score_quantiles;	/* (AE_QUANTILES) */
} AeModel;

/*
 * Where a training run stands, for whoever reports its progress.
 * ae_model_train keeps the counters current as it goes, so a tick can read
 * how far the epoch under way has come, and calls epoch_end(arg), when not
 * NULL, once each epoch's losses are recorded (the model's metrics hold
 * them too, and the best epoch so far); epoch_end may longjmp, as a tick
 * may.  The caller sets epoch_end and arg; the rest is the core's.
 */
typedef struct AeProgress
{
	void		(*epoch_end) (void *arg);
	void	   *arg;
	int			epochs;			/* of the run */
	int			epoch;			/* epochs completed */
	int			rows;			/* training rows in an epoch */
	int			rows_done;		/* of the epoch under way: rows before its current batch */
	double		train_loss;		/* the last completed epoch's; NaN before the first */
	double		val_loss;		/* likewise; NaN without validation rows */
} AeProgress;

/* Rows of values t: (n, ncols) and masks m: (n, ncols) to train or validate on. */
typedef struct AeDataset
{
	int			n;
	const ae_real *t;
	const uint8_t *m;
} AeDataset;

/* Scratch buffers for forward and backward passes of up to max_batch rows. */
typedef struct AeWork
{
	int			max_batch;
	ae_real    *x;				/* (max_batch, n_in) */
	int		   *nz_idx;			/* (n_in) a row's nonzero inputs (one-row forward passes) */
	ae_real    *nz_val;			/* (n_in) and their values */
	ae_real    *act[AE_MAX_LAYERS];	/* (max_batch, layer nout) outputs */
	ae_real    *eps;			/* (max_batch, latent) variational noise; zero at the mean */
	ae_real    *z;				/* (max_batch, dec_in) decoder input: latent sample and condition */
	ae_real    *dz;				/* (max_batch, dec_in) its gradient */
	ae_real    *dout;			/* (max_batch, n_out) */
	ae_real    *d1;				/* (max_batch, widest) ping-pong gradients */
	ae_real    *d2;
	/* the contractive kind's second encoder pass, at x + σ·probe (NULL for other kinds) */
	ae_real    *probe;			/* (max_batch, n_in) directions v, set by the caller */
	ae_real    *probe_x;		/* (max_batch, n_in) x + σ·v */
	ae_real    *probe_act[AE_MAX_LAYERS];	/* (max_batch, layer nout) encoder layers' outputs */
	AeTicker	ticker;			/* long products pause here; no tick after ae_work_init */
	/* the lstm kind's (NULL for others); time-major (T, B, ·) like lstm.h; per layer */
	ae_real    *seq_x;			/* (T, B, ni + cw) the steps' inputs */
	ae_real    *enc_h[AE_MAX_HIDDEN],
			   *enc_c[AE_MAX_HIDDEN];	/* (T + 1, B, units) */
	ae_real    *enc_g[AE_MAX_HIDDEN];	/* (T, B, 4 units) */
	ae_real    *dec_x;			/* (T, B, L + cw) the latent and the conditions, at every step */
	ae_real    *dec_h[AE_MAX_HIDDEN],
			   *dec_c[AE_MAX_HIDDEN];
	ae_real    *dec_g[AE_MAX_HIDDEN];
	ae_real    *seq_y;			/* (T, B) the steps' values */
	ae_real    *seq_out;		/* (B, T) the same, row-major: the model's outputs */
	ae_real    *seq_dh[2];		/* (T + 1, B, widest layer) gradients on a layer's states */
	ae_real    *seq_dx;			/* (T, B, widest input) gradients on a layer's inputs */
	ae_real    *seq_work;		/* ae_lstm_work_size of the widest layer */
	ae_real    *seq_d1,
			   *seq_d2;			/* (B, max(widest layer, L)) */
	/* the conv kind's (NULL for others): stage by stage, (B, channels, height, width) */
	ae_real    *img;			/* (B, 2C, h[0], w[0]) the image's inputs */
	ae_real    *enc_a[AE_MAX_HIDDEN];	/* stage i's output: (ch[i+1], h[i+1], w[i+1]) */
	ae_real    *dec_a;			/* the decoder's dense output: the last stage's shape */
	ae_real    *up[AE_MAX_HIDDEN];	/* stage i's upsampled input: (ch[i+1], h[i], w[i]) */
	ae_real    *dec_o[AE_MAX_HIDDEN];	/* stage i's decoder output: (dec_out(i), h[i], w[i]) */
	ae_real    *conv_cols;		/* AeConvLayout.cols */
	ae_real    *conv_g1,
			   *conv_g2;		/* gradients, the widest stage's size */
	/* the aae kind's discriminator while it trains, set by the trainer (NULL: none) */
	AeAdversary *adv;
	ae_real    *adv_dz;			/* (max_batch, latent) the adversarial term's gradient */
	/* the transformer kind's (NULL for others): N = max_batch · T tokens; per block k */
	unsigned char *tf_keep;		/* (max_batch, T) 1 where the token is shown as a key */
	ae_real    *tf_h[AE_TF_MAX_DEPTH + 1];	/* (N, D) block k's input; [K] the last output */
	ae_real    *tf_mid[AE_TF_MAX_DEPTH];	/* (N, D) after the attention's residual */
	ae_real    *tf_ln1[AE_TF_MAX_DEPTH],
			   *tf_ln2[AE_TF_MAX_DEPTH];	/* (N, D) the layer norms' outputs */
	ae_real    *tf_stats[AE_TF_MAX_DEPTH];	/* (4, N) means and rstds of LN1, LN2 */
	ae_real    *tf_q[AE_TF_MAX_DEPTH],
			   *tf_k[AE_TF_MAX_DEPTH],
			   *tf_v[AE_TF_MAX_DEPTH],
			   *tf_ao[AE_TF_MAX_DEPTH];	/* (N, D) the attention's output, before Wo */
	ae_real    *tf_att[AE_TF_MAX_DEPTH];	/* (max_batch, H, T, T) */
	ae_real    *tf_f1[AE_TF_MAX_DEPTH],
			   *tf_f2[AE_TF_MAX_DEPTH];	/* (N, F) before and after GELU */
	ae_real    *tf_lnf;			/* (N, D) the final layer norm's output */
	ae_real    *tf_lnf_stats;	/* (2, N) */
	ae_real    *tf_cat;			/* (N, D + L) the heads' inputs: final tokens and latent */
	ae_real    *tf_pool;		/* (max_batch, D) */
	ae_real    *tf_out;			/* (max_batch, n_out) */
	ae_real    *tf_d[6];		/* (N, max(F, D + L)) gradients */
	ae_real    *tf_work;		/* ae_attn_work_size(T) */
	/* held-out predictions (ae_model_reconstruct) */
	ae_real    *ho_t;			/* (max_batch, ncols) */
	uint8_t    *ho_m;			/* (max_batch, ncols) */
	ae_real    *ho_out;			/* (n_out) */
} AeWork;

/*
 * Derive offsets, widths and layer shapes from cols and opt, validating
 * both: kind, activation, latent activation (identity, or sigmoid for the
 * sparse kind), score mode, widths; each column's kind,
 * transform, flags, name (non-empty, unique), encoding (center, scale, lo,
 * hi, weight finite; scale > 0, weight >= 0, lo <= hi), vocabulary size
 * and the condition (exactly one in a cvae, none elsewhere).  Options
 * that only training reads (epochs, learning rate...) are not checked.
 */
AeStatus	ae_model_layout(AeModel *model);

/* Allocate params for a laid-out model. */
AeStatus	ae_model_alloc_params(AeModel *model, const AeAlloc *a);

/*
 * Lay out the dense layers of a trained model for one row at a time
 * (ae_pack_layer), which single-row forward passes then use; other kinds
 * and models without dense layers are left as they are.
 */
AeStatus	ae_model_pack(AeModel *model, const AeAlloc *a);

/* He (relu, elu) or Xavier (others) uniform initialisation, zero biases. */
void		ae_model_init_params(AeModel *model, AeRng *rng);

/* Allocate scratch for batches of up to max_batch rows (probe buffers zeroed). */
AeStatus	ae_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a);

/*
 * The lstm kind (seq.c), called by the model's functions of the same name
 * when opt.kind is AE_KIND_LSTM: layout (every column an element, in order,
 * of one 1-D array; opt.hidden[0] the LSTM's units), initialisation,
 * scratch, forward (returns the outputs (B, T)), encoder alone (returns
 * the latent (B, L), also left in w->z), decoder from latent points, and
 * backward (adds into grads).
 */
AeStatus	ae_seq_layout(AeModel *model);
void		ae_seq_init_params(AeModel *model, AeRng *rng);
AeStatus	ae_seq_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a);
const ae_real *ae_seq_forward(const AeModel *model, AeWork *w, const ae_real *x, int B);
const ae_real *ae_seq_encode(const AeModel *model, AeWork *w, const ae_real *x, int B);
const ae_real *ae_seq_decode(const AeModel *model, AeWork *w, const ae_real *z, int B);
void		ae_seq_backward(const AeModel *model, AeWork *w, const ae_real *dout, int B,
							ae_real *grads);

/* The conv kind (convnet.c), as the lstm kind's functions above. */
AeStatus	ae_conv_layout(AeModel *model);
void		ae_conv_init_params(AeModel *model, AeRng *rng);
AeStatus	ae_conv_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a);
const ae_real *ae_conv_net_forward(const AeModel *model, AeWork *w, const ae_real *x, int B);
const ae_real *ae_conv_net_encode(const AeModel *model, AeWork *w, const ae_real *x, int B);
const ae_real *ae_conv_net_decode(const AeModel *model, AeWork *w, const ae_real *z, int B);
void		ae_conv_net_backward(const AeModel *model, AeWork *w, const ae_real *dout, int B,
								 ae_real *grads);

/* The transformer kind (tfnet.c), as the lstm kind's functions above. */
AeStatus	ae_tf_layout(AeModel *model);
int			ae_tf_heldout_rows(const AeModel *model);	/* rows of work a held-out pass wants */

/*
 * The scratch (ae_real elements) one row's pass of a laid-out transformer
 * takes; ae_tf_layout refuses a network whose row needs more than
 * AE_TF_MAX_ROW_FLOATS, so scoring's memory stays bounded.
 */
size_t		ae_tf_row_floats(const AeModel *model);
void		ae_tf_init_params(AeModel *model, AeRng *rng);
AeStatus	ae_tf_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a);
const ae_real *ae_tf_forward(const AeModel *model, AeWork *w, const ae_real *x, int B);
const ae_real *ae_tf_encode(const AeModel *model, AeWork *w, const ae_real *x, int B);
void		ae_tf_backward(const AeModel *model, AeWork *w, const ae_real *x, const ae_real *dout,
						   int B, ae_real *grads);

/*
 * Does a kind learn by predicting hidden cells alone?  The transformer's
 * loss falls only on the observed cells that training hid (opt.mask of
 * them), so its outputs for the cells it was shown mean nothing; what it
 * shows for a row (ae_model_reconstruct) are held-out predictions.
 */
#define AE_KIND_PREDICTS_HIDDEN(k) ((k) == AE_KIND_TRANSFORMER)

/*
 * The outputs (n_out) a model shows for the row t, m: (ncols), inside w:
 * the forward pass of the row as it is; for a kind that predicts hidden
 * cells, each observed cell predicted with that cell alone hidden and each
 * missing one from the row as it is.  Either way leaves the forward pass
 * of the row as it is in w (ae_model_latent).
 */
const ae_real *ae_model_reconstruct(const AeModel *model, AeWork *w, const ae_real *t,
									const uint8_t *m);

/*
 * Denoising by masking: mi: (B, ncols) is m with each observed value hidden
 * with probability share (a cvae's condition is always given).  Training
 * hides them from the input while its loss still covers every observed
 * value, so the network learns to fill in what it was not shown.
 */
void		ae_model_mask_inputs(const AeModel *model, const uint8_t *m, uint8_t *mi, int B,
								 double share, AeRng *rng);

/* x: (B, n_in) from t, m: (B, ncols). */
void		ae_model_inputs(const AeModel *model, const ae_real *t, const uint8_t *m,
							ae_real *x, int B);

/*
 * Forward pass of x: (B, n_in); returns the outputs (B, n_out) inside w.
 * A variational model decodes z = mean + exp(logvar / 2) · w->eps, so with
 * w->eps zeroed it decodes the latent mean.
 */
const ae_real *ae_model_forward(const AeModel *model, AeWork *w, const ae_real *x, int B);

/* Decode latent points z: (B, latent) (the condition's inputs taken from x when cvae). */
const ae_real *ae_model_decode(const AeModel *model, AeWork *w, const ae_real *z,
							   const ae_real *x, int B);

/*
 * Forward through the encoder only; returns the encoder output inside w:
 * the latent codes (B, latent) the decoder reads (for the sparse kind its
 * sigmoid activations), or for a variational model the means and
 * log-variances (B, 2 · latent), means first.
 */
const ae_real *ae_model_encode(const AeModel *model, AeWork *w, const ae_real *x, int B);

/*
 * One row (B = 1) from its values t and mask m: its inputs into w->x (as
 * ae_model_inputs) and every layer (ae_model_forward), or the encoder alone
 * (ae_model_encode); the first layer reads only the row's nonzero inputs,
 * listed as the inputs are made.
 */
const ae_real *ae_model_forward_row(const AeModel *model, AeWork *w, const ae_real *t,
									const uint8_t *m);
const ae_real *ae_model_encode_row(const AeModel *model, AeWork *w, const ae_real *t,
								   const uint8_t *m);

/* The encoder output of the last forward or encode pass (see ae_model_encode). */
const ae_real *ae_model_latent(const AeModel *model, const AeWork *w);

/*
 * The kind's regularizer after a forward pass of x: (B, n_in).  Returns
 * its mean over the B rows; row_penalty: (B), when not NULL, gets each
 * row's share.
 *
 * - variational: beta · KL(q(z|x) ‖ N(0, I)); a row's share is its
 *   unweighted KL.
 * - sparse: sparsity · Σ_j KL(ρ ‖ ρ̂_j), ρ = sparsity_target and ρ̂_j the
 *   batch mean of latent unit j's activation — the very sigmoid code the
 *   decoder reads, so shifting the latent cannot meet it for free (a model
 *   of formats 1 to 4, with a linear latent: of sigmoid(latent)).  A batch
 *   quantity: the rows' shares are 0.
 * - contractive: contractive · the expected squared Frobenius norm of the
 *   encoder's Jacobian J = ∂latent/∂x, estimated by one probe per row:
 *   contractive · ‖h(x + σ·v) − h(x)‖² / σ², v = w->probe and σ =
 *   AE_CONTRACTIVE_STEP.  For random v with E[v vᵀ] = I (those of
 *   ae_model_draw_probe, or N(0, I)) its expectation is contractive ·
 *   ‖J‖²_F up to O(σ²) (exactly, for a relu encoder whose pieces x and
 *   x + σ·v share); with w->probe zero it is 0.  Runs that second encoder
 *   pass into w, which ae_model_backward then uses; a row's share is its
 *   own term.  The decoder can make up for a code that is merely scaled
 *   down, so part of the penalty may be met by a smaller code.
 * - aae, while w->adv is set (training): adversarial · mean softplus(−D(h))
 *   under the discriminator w->adv (adversary.h), whose gradient on the
 *   codes it leaves in w->adv_dz for ae_model_backward; a row's share is
 *   its own term.  0 without a discriminator.
 */
double		ae_model_penalty(const AeModel *model, AeWork *w, const ae_real *x, int B,
							 double *row_penalty);

/*
 * Contractive kind (with a weight): fill w->probe, (B, n_in), with random
 * directions for the Jacobian penalty, each entry -1 or +1 with equal
 * odds.  Any v with E[v vᵀ] = I gives the penalty contractive · ‖J‖²_F
 * as its mean; these signs (Hutchinson's) do with the least variance and
 * one random bit an entry.  Other kinds: nothing.
 */
void		ae_model_draw_probe(const AeModel *model, AeWork *w, int B, AeRng *rng);

/*
 * A row's anomaly score from its values t, m: (ncols), per opt.score: the
 * reconstruction loss; the distance score; or for a variational model the
 * negative ELBO (deterministic; elbo_samples draws from a generator seeded
 * by the row).  Leaves the forward pass at the latent mean in w.
 */
double		ae_model_score(const AeModel *model, AeWork *w, const ae_real *t, const uint8_t *m);

/*
 * Score distance, measured after training on the rows of every data set
 * given, inputs unmasked: the mean reconstruction loss (recon_mean), the
 * mean code (code_center) and the whitening factor of the codes'
 * covariance plus a ridge of 1e-3 of its mean variance (code_whiten).  A
 * row then scores
 *
 *     loss / recon_mean + |W (code - center)|² / latent
 *
 * both terms near 1 on a typical training row: how badly the row is
 * reconstructed, and how far from the training rows' codes it lies.  A
 * kind that predicts hidden cells measures its reconstruction loss, held
 * out cell by cell (ae_model_reconstruct), on the first
 * AE_DISTANCE_HELDOUT_ROWS rows alone.
 * Allocates code_center and code_whiten from a; ticks per batch.
 */
#define AE_DISTANCE_HELDOUT_ROWS 2048
AeStatus	ae_model_fit_distance(AeModel *model, AeWork *w, const AeDataset *const *sets,
								  int nsets, const AeAlloc *a);

/* The distance term of a code h: (latent): |W (h - center)|² / latent. */
double		ae_model_code_distance(const AeModel *model, const ae_real *h);

/*
 * Imputation calibration, measured after training.  The priors come from
 * the training rows' observed values.  Each column's shrink is measured on
 * the validation rows (unseen in training; the first AE_IMPUTE_MAX_ROWS),
 * hiding that column alone in each row that has it, as in a row missing one
 * value: for a numeric column the least-squares weight of the prediction
 * against the mean, for a boolean or categorical one the weight of the
 * predicted probabilities against the class shares that maximises the
 * hidden values' likelihood (on a grid of steps of 1/AE_IMPUTE_GRID), both
 * in [0, 1].  A column with fewer than AE_IMPUTE_MIN_CELLS values measured,
 * or a model without validation rows, keeps shrink 1: the network's
 * prediction as it is.  Allocates impute_shrink and impute_prior from a;
 * ticks per batch.
 */
#define AE_IMPUTE_MAX_ROWS 2048
#define AE_IMPUTE_GRID 20
#define AE_IMPUTE_MIN_CELLS 20
#define AE_IMPUTE_PRIOR_CELLS 50
AeStatus	ae_model_fit_impute(AeModel *model, AeWork *w, const AeDataset *train,
								const AeDataset *val, const AeAlloc *a);

/*
 * The distribution of the training rows' scores, so that a score can be
 * read as a percentile (quantile.c).  It is kept as its quantiles at a
 * fixed grid of AE_QUANTILES probabilities: steps of 0.01 from 0 to 0.9,
 * then each decade of the tail in 90 steps (0.001 to 0.99, 0.0001 to
 * 0.999, 0.00001 to 1), so a review queue of the top 10%, 1%, 0.1% or
 * 0.01% lies on the grid or between two points 1% of its size apart.
 * The quantile at p is the one of percentile_cont: with the n scores
 * sorted, x[h] interpolated linearly at h = p (n - 1).
 */
#define AE_QUANTILES 371

/* The grid's i-th probability, i in [0, AE_QUANTILES): 0 at 0, 1 at the last. */
double		ae_quantile_prob(int i);

/*
 * Score every row of the data sets given that has an observed cell, as
 * ae_model_score scores it at query time (the dense layers packed for one
 * row, a work of one row), and record the quantiles of those scores in
 * score_quantiles and their number in score_rows (no quantiles when no
 * row has a cell).  A kind that predicts hidden cells, whose score costs a
 * pass per column, scores the first AE_QUANTILE_HELDOUT_ROWS rows with a
 * cell alone (a random sample: training's rows come shuffled): the share
 * of them above a percentile p is then 1 - p within 0.1% at p = 0.99.
 * Allocates from a; ticks per row; AE_EDIVERGED when a score is not finite.
 */
#define AE_QUANTILE_HELDOUT_ROWS 10000
AeStatus	ae_model_fit_quantiles(AeModel *model, const AeDataset *const *sets, int nsets,
								   const AeTicker *ticker, const AeAlloc *a);

/*
 * The percentile of a score in a model with quantiles: the grid's
 * probability interpolated linearly between the two quantiles around it
 * (of the last quantile at or below it, when quantiles are equal), 0 below
 * the smallest and 1 at or above the largest; non-decreasing in the
 * score, and NaN for NaN.
 */
double		ae_model_percentile(const AeModel *model, double score);

/*
 * The score at probability p in [0, 1] of a model with quantiles,
 * interpolated linearly between the grid's points: the inverse of
 * ae_model_percentile, exactly so at the grid's points.
 */
double		ae_model_threshold(const AeModel *model, double p);

/*
 * The outputs out: (n_out) of a forward pass, calibrated for imputation
 * into dst: (n_out): each column's prediction blended with its prior by
 * its shrink (numeric values directly, probabilities of booleans and
 * categories, returned as logits).  A model without calibration: a copy.
 * With m (ncols), only the columns missing in it are calibrated, the
 * others copied: the cells an imputation fills.
 */
void		ae_model_impute_outputs(const AeModel *model, const ae_real *out, const uint8_t *m,
									ae_real *dst);

/*
 * Loss of outputs out: (B, n_out) against t, m.  A row's loss is the
 * weighted mean of its observed columns' losses (0 when none is observed),
 * times the total column weight for variational kinds (so that it is the
 * summed log-likelihood of a complete row, as the ELBO wants); returns
 * the mean over rows.  Fills dout: (B, n_out) with the gradient of
 * that mean when dout is not NULL, and row_loss: (B) when not NULL.
 */
double		ae_model_loss(const AeModel *model, const ae_real *out, const ae_real *t,
						  const uint8_t *m, int B, ae_real *dout, double *row_loss);

/*
 * Each column's share of one forwarded row's loss, weighted as in
 * ae_model_loss so the shares sum to it; col_loss: (ncols), NaN where the
 * column is missing or not reconstructed (a cvae's condition).
 */
void		ae_model_column_losses(const AeModel *model, const ae_real *out, const ae_real *t,
								   const uint8_t *m, double *col_loss);

/*
 * Backward pass after a forward and ae_model_penalty of the same x (the
 * contractive kind's penalty runs the encoder pass its gradient needs, the
 * aae's leaves the gradient on the codes),
 * penalty included; adds into grads: (nparams).
 */
void		ae_model_backward(const AeModel *model, AeWork *w, const ae_real *x,
							  const ae_real *dout, int B, ae_real *grads);

/*
 * Train a laid-out model with allocated params from scratch: initialise,
 * run opt.epochs epochs of shuffled mini-batches with Adam, keep the weights
 * of the epoch with the best validation loss (the last when val is empty),
 * and fill metrics (but for rows_seen, seconds, which the caller knows);
 * with score distance, then measure its statistics on train and val rows;
 * last, record the quantiles of the train and val rows' scores.
 * tick(tick_arg), when not NULL, is called before each mini-batch and each
 * validation batch, and between the blocks of every long matrix product
 * (see AeTicker); it may longjmp, the allocator being a region.  progress,
 * when not NULL, is kept up to date for the tick to read, and its
 * epoch_end is called after each epoch (see AeProgress).  A batch
 * or validation loss that is not finite, or kept weights that are not,
 * give AE_EDIVERGED: AE_OK comes only with an epoch's finite weights.
 */
AeStatus	ae_model_train(AeModel *model, const AeDataset *train, const AeDataset *val,
						   AeRng *rng, const AeAlloc *a, AeTick tick, void *tick_arg,
						   AeProgress *progress);

#endif							/* AE_MODEL_H */
