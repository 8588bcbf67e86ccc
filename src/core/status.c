/*
 * status.c — messages for AeStatus codes.
 */
#include "core/core.h"

/* A short lower-case description of a status. */
const char *
ae_status_message(AeStatus status)
{
	switch (status)
	{
		case AE_OK:
			return "no error";
		case AE_ENOMEM:
			return "out of memory";
		case AE_EINVAL:
			return "invalid argument";
		case AE_ESHORT:
			return "model data is truncated";
		case AE_EMAGIC:
			return "data is not an ae model";
		case AE_EVERSION:
			return "model format version is not supported";
		case AE_ECRC:
			return "model checksum does not match its contents";
		case AE_ECORRUPT:
			return "model data is inconsistent";
		case AE_EDIVERGED:
			return "training diverged to non-finite values";
	}
	return "unknown error";
}
