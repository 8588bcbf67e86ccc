/*
 * conv.h — 2-D convolution and nearest-neighbour upsampling over a batch
 * of images, forward and backward.
 *
 * Images are channels first, row-major: x: (B, C, H, W).  A convolution
 * (AeConvShape) has K filters of kh × kw over all C channels, strides sh
 * and sw and zero paddings ph and pw:
 *
 *     y[b, o, i, j] = bias[o] + Σ_{c, u, v} w[o, c, u, v] · x[b, c, i·sh + u − ph, j·sw + v − pw]
 *
 * y: (B, K, OH, OW) with OH = (H + 2ph − kh) / sh + 1 (ae_conv_out), and
 * weights w: (K, C·kh·kw).  A 1-D signal is an image of one row with
 * kh = 1.  The fast path unrolls each image's patches into cols:
 * (C·kh·kw, OH·OW) (im2col) and multiplies once per image with GEMM; the
 * naive functions loop over the sum above.  As in dense.h, backward adds
 * into dw and db and overwrites dx (skipped when NULL).
 *
 * Upsampling repeats each pixel into a 2 × 2 block and keeps the top-left
 * (OH, OW) of the result (OH ≤ 2H, OW ≤ 2W), so a decoder can return to an
 * odd size that a stride-2 encoder rounded up (and to a single row).
 */
#ifndef AE_CONV_H
#define AE_CONV_H

#include "core/core.h"

typedef struct AeConvShape
{
	int			C,				/* input channels */
				H,				/* input sides */
				W,
				K,				/* filters: output channels */
				kh,				/* kernel */
				kw,
				sh,				/* strides */
				sw,
				ph,				/* zero padding */
				pw;
} AeConvShape;

/* Output size of a convolution along a side of n pixels. */
int			ae_conv_out(int n, int k, int s, int p);

/* Output sides OH and OW. */
int			ae_conv_oh(const AeConvShape *g);
int			ae_conv_ow(const AeConvShape *g);

/* Scratch cols of a convolution, in ae_real elements. */
size_t		ae_conv_cols_size(const AeConvShape *g);

void		ae_conv_forward(ae_real *y, const ae_real *x, const ae_real *w, const ae_real *b,
							int B, const AeConvShape *g, ae_real *cols);
void		ae_conv_backward(ae_real *dx, ae_real *dw, ae_real *db, const ae_real *dy,
							 const ae_real *x, const ae_real *w, int B, const AeConvShape *g,
							 ae_real *cols);

/* Reference loops for ae_conv_forward and ae_conv_backward; same contracts, no scratch. */
void		ae_conv_forward_naive(ae_real *y, const ae_real *x, const ae_real *w,
								  const ae_real *b, int B, const AeConvShape *g);
void		ae_conv_backward_naive(ae_real *dx, ae_real *dw, ae_real *db, const ae_real *dy,
								   const ae_real *x, const ae_real *w, int B,
								   const AeConvShape *g);

/* y: (B, C, OH, OW) from x: (B, C, H, W); backward overwrites dx with the sums of dy's blocks. */
void		ae_upsample_forward(ae_real *y, const ae_real *x, int B, int C, int H, int W,
								int OH, int OW);
void		ae_upsample_backward(ae_real *dx, const ae_real *dy, int B, int C, int H, int W,
								 int OH, int OW);

#endif							/* AE_CONV_H */
