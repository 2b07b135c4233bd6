import Foundation
import MindImage

/// A figure of the report: a PNG or JPEG file written by a stage, or an image in memory.
public struct ReportFigure {
    public enum Source {
        case file(URL)
        case image(Image)
    }

    public var caption: String
    public var source: Source
    /// Display size relative to the pixels: the built-in data's 64-pixel images are shown enlarged, sharp.
    public var scale: Double

    public init(caption: String, source: Source, scale: Double = 2) {
        (self.caption, self.source, self.scale) = (caption, source, scale)
    }
}
