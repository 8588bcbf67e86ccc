/*
 * fit.h — training a model from an ae_fit sample: choose the columns,
 * measure their statistics, encode the rows, resolve every default from
 * the data, train, and return the serialized model.
 */
#ifndef AE_TRAIN_FIT_H
#define AE_TRAIN_FIT_H

#include "postgres.h"

#include "train/sample.h"

/*
 * Train on the rows of a sample; returns the model bytea in the current
 * context, or NULL (with a notice) when no row has a value to train on.
 */
bytea	   *ae_fit_sample(AeSample *sample);

#endif							/* AE_TRAIN_FIT_H */
