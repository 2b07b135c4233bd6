/// An 8-bit RGB colour, used for backgrounds, plot lines and fills.
public struct RGBColor: Equatable, Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public static let black = RGBColor(0, 0, 0)
    public static let white = RGBColor(255, 255, 255)
    public static let gray = RGBColor(128, 128, 128)
    public static let lightGray = RGBColor(225, 225, 225)
    /// A colour-blind-safe qualitative palette (Okabe–Ito) for plot series.
    public static let blue = RGBColor(0, 114, 178)
    public static let orange = RGBColor(230, 159, 0)
    public static let green = RGBColor(0, 158, 115)
    public static let vermillion = RGBColor(213, 94, 0)
    public static let purple = RGBColor(204, 121, 167)
    public static let skyBlue = RGBColor(86, 180, 233)

    public static let palette: [RGBColor] = [.blue, .orange, .green, .vermillion, .purple, .skyBlue]

    var components: (Float, Float, Float) { (Float(r), Float(g), Float(b)) }
}
