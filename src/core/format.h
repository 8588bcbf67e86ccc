/*
 * format.h — the model's byte format: one self-contained, little-endian
 * byte string with a magic number, a format version and a CRC32C.
 *
 *   0  8  magic "AEMODEL\0"
 *   8  2  format version
 *  10  2  kind
 *  12  4  total length in bytes
 *  16  4  CRC32C of bytes [8, 16) then [20, total): version, kind, length
 *         and body (versions 1 to 3: of bytes [20, total) alone)
 *  20     options, columns (with their encodings), from version 6 each
 *         column's array shape and place, metrics, the distance
 *         score's statistics (version 5 on, score distance only), the
 *         imputation calibration (version 6 on: per column its shrink, then
 *         its prior over its outputs, f32 each), from version 9 the
 *         training rows' score quantiles (4 bytes of rows scored, 2 of
 *         quantiles, AE_QUANTILES or 0 for none, then an f64 each),
 *         parameters
 *
 * The options end, from version 3, with noise, sparsity, sparsity_target,
 * contractive, beta (f64 each), score (1 byte), from version 5 the latent
 * layer's activation (1 byte: identity, or sigmoid for the sparse kind;
 * identity when an older version is read), from version 6 the conv kind's
 * image shape (1 byte of dimensions, 0 to 3, then a 4-byte side each),
 * from version 7 the aae kind's adversarial weight (f64), discriminator
 * (1 byte of hidden layers, then a 4-byte width each) and its learning
 * rate (f64) — zeros for other kinds — then max_rows and seed.
 *
 * The reader checks every length, count, dimension and offset before use
 * and reports a status instead of reading out of bounds; every field is in
 * its range (ae_model_layout's checks, options finite and usable, metrics
 * non-negative) and a categorical column holds no label twice.
 */
#ifndef AE_FORMAT_H
#define AE_FORMAT_H

#include "core/model.h"

/*
 * 2 added options.mask, 3 the kinds' options, 4 the header's version, kind
 * and length to the CRC, 5 options.latent_activation and the distance
 * score (a model of another kind than vae or cvae from versions 1 to 4
 * scores by reconstruction), 6 array columns and the imputation
 * calibration (a model of 1 to 5 has no arrays and imputes with the
 * network's prediction as it is), 7 the aae kind and its options, 8 the
 * transformer kind and its options, 9 the training rows' score quantiles
 * (a model of 1 to 8 has none: it scores, but gives no percentiles); 1 to
 * 8 are still read, 9 is written.
 */
#define AE_FORMAT_VERSION 9
#define AE_HEADER_SIZE 20

/* CRC32C (Castagnoli) of n bytes, continuing from crc (start with 0). */
uint32_t	ae_crc32c(uint32_t crc, const void *data, size_t n);

/*
 * The CRC32C that a header of the given format version holds for the len
 * bytes of a model at buf (len >= AE_HEADER_SIZE): from version 4 that of
 * bytes [8, 16) continued over [20, len), before of [20, len) alone.
 */
uint32_t	ae_model_crc(const uint8_t *buf, size_t len, int version);

/*
 * Does buf start with a model header of a version this build reads, of
 * exactly len bytes, whose CRC matches the bytes?  What a cache keyed by
 * ae_model_identity checks before trusting a match.
 */
int			ae_model_crc_ok(const uint8_t *buf, size_t len);

/*
 * The identity a model's header claims — its total length and CRC32C —
 * without reading or checking the rest; false when buf does not start with
 * a model header of exactly len bytes.
 */
int			ae_model_identity(const uint8_t *buf, size_t len, uint32_t *total, uint32_t *crc);

/* Exact size in bytes of the serialized model. */
size_t		ae_model_size(const AeModel *model);

/* Serialize into buf, which holds ae_model_size(model) bytes. */
void		ae_model_write(const AeModel *model, uint8_t *buf);

/* Parse and validate len bytes into *model; everything is allocated from a. */
AeStatus	ae_model_read(const uint8_t *buf, size_t len, AeModel *model, const AeAlloc *a);

#endif							/* AE_FORMAT_H */
