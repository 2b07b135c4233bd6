/// Tiles equal-size images into one RGB image: `columns` per row, filled row by row, `padding` pixels of
/// `background` around and between cells (the "ground truth + samples" figures: one row per test item,
/// ground truth in column 0). Gray images are replicated to RGB; alpha is composited over the background.
public enum ImageGrid {
    public static func compose(_ images: [Image], columns: Int, padding: Int = 2,
                               background: RGBColor = .white) throws -> Image {
        guard let first = images.first else { throw ImageError("grid: no images given") }
        guard columns > 0 else { throw ImageError("grid: columns must be positive, got \(columns)") }
        guard padding >= 0 else { throw ImageError("grid: padding must be non-negative, got \(padding)") }
        for (i, image) in images.enumerated() where image.width != first.width || image.height != first.height {
            throw ImageError("grid: image \(i + 1) is \(image.width)x\(image.height), expected \(first.width)x\(first.height) like image 1 (counting from 1)")
        }
        let cols = min(columns, images.count)
        let rows = (images.count + columns - 1) / columns
        let cellW = first.width + padding
        let cellH = first.height + padding
        let (gw, o1) = cols.multipliedReportingOverflow(by: cellW)
        let (gh, o2) = rows.multipliedReportingOverflow(by: cellH)
        guard !o1, !o2 else { throw ImageError("grid: \(rows)x\(cols) cells of \(first.width)x\(first.height) overflow") }
        let width = gw + padding
        let height = gh + padding
        var grid = try Image(width: width, height: height, channels: 3, fill: [background.r, background.g, background.b])
        for (index, image) in images.enumerated() {
            let rgb = image.rgb(background: background)
            let x0 = padding + (index % columns) * cellW
            let y0 = padding + (index / columns) * cellH
            for y in 0..<rgb.height {
                let src = y * rgb.width * 3
                let dst = ((y0 + y) * width + x0) * 3
                grid.pixels.replaceSubrange(dst..<(dst + rgb.width * 3), with: rgb.pixels[src..<(src + rgb.width * 3)])
            }
        }
        return grid
    }

    /// Composes and writes the grid as a PNG (atomically).
    public static func save(_ images: [Image], columns: Int, to path: String, padding: Int = 2,
                            background: RGBColor = .white) throws {
        try PNG.write(compose(images, columns: columns, padding: padding, background: background), to: path)
    }
}
