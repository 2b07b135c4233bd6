#include "CImageShim.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

struct mindimage_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char text[JMSG_LENGTH_MAX];
};

static void mindimage_jpeg_error_exit(j_common_ptr cinfo) {
    struct mindimage_jpeg_error *err = (struct mindimage_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->text);
    longjmp(err->jump, 1);
}

/* Warnings are tolerated (libjpeg recovers from many small corruptions) except a premature end of the data,
 * of the file or of a scan (a cut file with its end marker put back): libjpeg would silently pad the missing
 * part with gray, which must not pass as an image. */
static void mindimage_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) {
        if (cinfo->err->msg_code == JWRN_JPEG_EOF || cinfo->err->msg_code == JWRN_HIT_MARKER) {
            mindimage_jpeg_error_exit(cinfo);
        }
        cinfo->err->num_warnings++;
    }
}

static void mindimage_jpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo; /* never print to stderr from a library */
}

static void mindimage_set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    snprintf(message, capacity, "%s", text);
}

int mindimage_jpeg_decode(const unsigned char *data, size_t size, size_t max_pixels,
                          unsigned char **pixels, int *width, int *height, int *channels,
                          char *message, size_t message_capacity) {
    struct jpeg_decompress_struct cinfo;
    struct mindimage_jpeg_error err;
    /* Modified between setjmp and a possible longjmp, hence volatile. */
    unsigned char *volatile buffer = NULL;

    *pixels = NULL;
    *width = 0;
    *height = 0;
    *channels = 0;
    if (size == 0 || data == NULL) {
        mindimage_set_message(message, message_capacity, "empty input");
        return 1;
    }
    if ((unsigned long)size != size) {
        mindimage_set_message(message, message_capacity, "input too large for libjpeg");
        return 1;
    }

    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = mindimage_jpeg_error_exit;
    err.pub.emit_message = mindimage_jpeg_emit_message;
    err.pub.output_message = mindimage_jpeg_output_message;
    err.text[0] = '\0';

    if (setjmp(err.jump)) {
        mindimage_set_message(message, message_capacity, err.text);
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return 1;
    }

    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    default:
        mindimage_set_message(message, message_capacity,
                              "unsupported JPEG colour space (CMYK/YCCK); expected grayscale or RGB");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }

    jpeg_calc_output_dimensions(&cinfo);
    size_t w = cinfo.output_width, h = cinfo.output_height, c = (size_t)cinfo.output_components;
    if (w == 0 || h == 0 || (c != 1 && c != 3)) {
        mindimage_set_message(message, message_capacity, "invalid image dimensions");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    if (h > max_pixels / w) {
        char text[160];
        snprintf(text, sizeof(text), "image of %zu x %zu pixels exceeds the limit of %zu pixels", w, h, max_pixels);
        mindimage_set_message(message, message_capacity, text);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    buffer = (unsigned char *)malloc(w * h * c);
    if (buffer == NULL) {
        mindimage_set_message(message, message_capacity, "out of memory for the pixel buffer");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }

    jpeg_start_decompress(&cinfo);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffer + (size_t)cinfo.output_scanline * w * c;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);

    *pixels = buffer;
    *width = (int)w;
    *height = (int)h;
    *channels = (int)c;
    return 0;
}

void mindimage_free(void *pointer) {
    free(pointer);
}
