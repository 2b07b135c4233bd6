#ifndef MINDIMAGE_CIMAGESHIM_H
#define MINDIMAGE_CIMAGESHIM_H

#include <stddef.h>

/* Decodes a baseline or progressive JPEG held in memory into 8-bit pixels (1 channel for grayscale
 * files, 3 channels RGB otherwise). libjpeg reports fatal errors by calling error_exit, which would
 * terminate the process; here error_exit longjmps back into this C function (never across a Swift
 * frame) and the function returns a non-zero status with a message.
 *
 * Returns 0 on success: *pixels holds width*height*channels bytes allocated with malloc, to be released
 * with mindimage_free. On failure returns non-zero, *pixels is NULL and message holds a NUL-terminated
 * description (truncated to message_capacity). Images with more than max_pixels pixels are refused before
 * any pixel memory is allocated. A file that ends before its image data is complete is an error. */
int mindimage_jpeg_decode(const unsigned char *data, size_t size, size_t max_pixels,
                          unsigned char **pixels, int *width, int *height, int *channels,
                          char *message, size_t message_capacity);

void mindimage_free(void *pointer);

#endif
