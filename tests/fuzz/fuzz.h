/*
 * fuzz.h - the entry point every fuzz target defines (libFuzzer's), called by libFuzzer under
 * `make fuzz` and by replay_main.c over a committed corpus under ctest.
 */
#ifndef TL_FUZZ_H
#define TL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
