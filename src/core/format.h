/*
 * format.h — the model's byte format: one self-contained, little-endian
 * byte string with a magic number, a format version and a CRC32C.
 *
 *   0  8  magic "AEMODEL\0"
 *   8  2  format version
 *  10  2  kind
 *  12  4  total length in bytes
 *  16  4  CRC32C of bytes [20, total)
 *  20     options, columns (with their encodings), metrics, parameters
 *
 * The reader checks every length, count, dimension and offset before use
 * and reports a status instead of reading out of bounds.
 */
#ifndef AE_FORMAT_H
#define AE_FORMAT_H

#include "core/model.h"

#define AE_FORMAT_VERSION 3		/* 2 added options.mask, 3 the kinds' options; 1 and 2 are still read */
#define AE_HEADER_SIZE 20

/* CRC32C (Castagnoli) of n bytes, continuing from crc (start with 0). */
uint32_t	ae_crc32c(uint32_t crc, const void *data, size_t n);

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
