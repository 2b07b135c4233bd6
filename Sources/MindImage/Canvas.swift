/// An RGB float canvas with alpha blending, converted to an `Image` at the end.
struct Canvas {
    let width: Int
    let height: Int
    var rgb: [Float]

    init(width: Int, height: Int, color: RGBColor) {
        self.width = width
        self.height = height
        let (r, g, b) = color.components
        rgb = [Float](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            rgb[3 * p] = r
            rgb[3 * p + 1] = g
            rgb[3 * p + 2] = b
        }
    }

    mutating func blend(x: Int, y: Int, color: RGBColor, alpha: Float) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let k = 3 * (y * width + x)
        let (r, g, b) = color.components
        rgb[k] += (r - rgb[k]) * alpha
        rgb[k + 1] += (g - rgb[k + 1]) * alpha
        rgb[k + 2] += (b - rgb[k + 2]) * alpha
    }

    mutating func set(x: Int, y: Int, color: RGBColor) {
        blend(x: x, y: y, color: color, alpha: 1)
    }

    var image: Image {
        Image(width: width, height: height, channels: 3,
              validatedPixels: rgb.map { UInt8(min(max($0, 0), 255).rounded()) })
    }

    /// Draws `text` in the 5×7 bitmap font with its top-left corner at (x, y).
    mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1, color: RGBColor) {
        BitmapFont.rasterize(text, x: x, y: y, scale: scale) { px, py in set(x: px, y: py, color: color) }
    }
}
