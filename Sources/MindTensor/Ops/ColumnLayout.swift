import CKernels

/// The places `mv_panel_product` reads its column operand from and writes its result to (see `mv_columns` in
/// CKernels.h): a convolution's products read image planes and im2col tiles where they lie, so no copy is made to
/// hand them to a BLAS call.
extension mv_columns {
    /// Rows of `rows`-channel NCHW planes `t` [N, rows, plane], from channel `row` on, as a matrix whose column
    /// j is position `first + j` of the batch's flattened planes.
    static func planes(_ t: UnsafeMutablePointer<Float>, channels rows: Int, plane: Int, from row: Int = 0, first: Int) -> mv_columns {
        mv_columns(base: t + row * plane, first: Int64(first), plane: Int64(plane), image_stride: Int64(rows * plane),
                   row_stride: Int64(plane))
    }

    /// A row-major matrix with leading dimension `ld`.
    static func tile(_ t: UnsafeMutablePointer<Float>, ld: Int) -> mv_columns {
        mv_columns(base: t, first: 0, plane: Int64.max, image_stride: 0, row_stride: Int64(ld))
    }

}
