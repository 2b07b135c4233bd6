import Foundation
import MindImage
import MindTensor
import MindVis

/// `mv.image`: PNG/JPEG files as float tensors [H, W, C] in [0, 1] (HWC, like the datasets), bilinear
/// resizing as torchvision's tensor Resize, and grids of images saved as one PNG.
enum ImageBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv.image", "load", doc: """
            mv.image.load(path) -> Tensor
            Reads a PNG or JPEG file (recognised by its bytes, not its name) as a float tensor [H, W, C] with values in [0, 1].
            C is 1 for gray, 3 for RGB, 4 with alpha; 16-bit PNGs are reduced to 8 bits. t:permute(3, 1, 2) gives PyTorch's [C, H, W].
            """) { args in
            let image = try ImageFile.read(path: try args.string(1, "path"))
            return try args.returning(tensor: tensor(image))
        }
        try state.bind("mv.image", "save", doc: """
            mv.image.save(path, image) -> path
            Writes image as an 8-bit PNG (whatever path's extension) and returns path; values are clamped to [0, 1] and scaled by 255.
            image is [H, W, C] or [C, H, W] with C = 1, 3 or 4, or a gray [H, W]. The file is replaced atomically.
            """) { args in
            let path = try args.string(1, "path")
            try PNG.write(try image(args.tensor(2, "image"), function: args.function), to: path)
            return try args.returning(path)
        }
        try state.bind("mv.image", "resize", doc: """
            mv.image.resize(image, height, width) -> Tensor
            Bilinear resize of an [H, W, C] image to [height, width, C], as torchvision's Resize on tensors (align_corners false, no antialias).
            [C, H, W] images (C = 1, 3 or 4, as mv.image.save reads them) come back as [C, height, width], [H, W] ones as [height, width].
            A shape that reads both ways (first and last sizes both 1, 3 or 4, e.g. [3, 4, 4]) is taken as [H, W, C].
            Shrinking by large factors aliases (no low-pass filter); sizes are at most 32768.
            """) { args in
            let t = try args.tensor(1, "image")
            let h = try args.integer(2, "height", min: 1, max: 1 << 15), w = try args.integer(3, "width", min: 1, max: 1 << 15)
            guard t.rank == 2 || t.rank == 3 else {
                throw args.error("argument #1 'image': expected an [H, W, C], [C, H, W] or [H, W] tensor, got \(Shape.describe(t.shape))")
            }
            let (layout, shape): (PixelLayout, [Int])
            switch t.rank {
            case 2: (layout, shape) = (.hwc, [t.shape[0], t.shape[1], 1])
            case _ where isChannelsFirst(t.shape): (layout, shape) = (.chw, [t.shape[1], t.shape[2], t.shape[0]])
            default: (layout, shape) = (.hwc, t.shape)
            }
            let out = try ImageResize.bilinear(t.toArray(), channels: shape[2], height: shape[0], width: shape[1], layout: layout,
                                               outHeight: h, outWidth: w)
            let outShape = t.rank == 2 ? [h, w] : layout == .chw ? [shape[2], h, w] : [h, w, shape[2]]
            return try args.returning(tensor: Tensor(out, shape: outShape))
        }
        // mv.image.grid(path, images, {columns=, padding=}): images as an array of [H, W, C] tensors or one [N, H, W, C] tensor.
        try state.bind("mv.image", "grid", doc: """
            mv.image.grid(path, images [, options]) -> path
            Tiles equally sized images row by row into one RGB PNG at path and returns path: ground truth beside samples, one row per item.
            columns = ceil(sqrt(#images))  -- images per row
            padding = 2  -- white pixels around and between the images (0...256)
            images: an array of [H, W, C] (or [C, H, W]) tensors, or one [N, H, W, C] tensor, with values in [0, 1].
            Gray images are replicated to RGB and alpha is composited on white.
            """) { args in
            let path = try args.string(1, "path")
            var images: [Tensor]
            if let stacked = try? args.tensor(2, "images") {
                guard stacked.rank == 4 else { throw args.argumentError(2, "images", expected: "an [N, H, W, C] tensor or an array of [H, W, C] tensors") }
                images = try (0..<stacked.shape[0]).map { try stacked.select(0, $0) }
            } else {
                images = try args.tensorArray(2, "images")
            }
            let options = try args.options(3)
            let columns = try options.integer("columns", default: Swift.max(1, Int(Double(images.count).squareRoot().rounded(.up))), min: 1)
            try ImageGrid.save(images.map { try image($0, function: args.function) }, columns: columns, to: path,
                               padding: try options.integer("padding", default: 2, min: 0, max: 256))
            return try args.returning(path)
        }
        try state.bind("mv.image", "sample_grid", doc: """
            mv.image.sample_grid(path, samples [, options]) -> path
            The reference's figure of generated images as a PNG (atomically): one row per condition, its ground truth first, then its samples.
            truth = nil  -- ground truth [B, 3, H, W] in [0, 1] (mv.eval.ground_truth(ds)); nil: samples only
            rows = nil  -- the first rows conditions only (default all)
            samples: [B, S, 3, H, W] in [0, 1], what ldm:generate returns.
            """) { args in
            let path = try args.string(1, "path")
            let options = try args.options(3)
            try SampleGrid.write(URL(fileURLWithPath: path), truth: try options.userdata("truth", as: Tensor.self), samples: try args.tensor(2, "samples"),
                                 rows: try options.integer("rows", min: 1))
            return try args.returning(path)
        }
    }

    /// Whether a 3-D image tensor is [C, H, W]: 1, 3 or 4 leading channels and a last size that is not a channel count.
    static func isChannelsFirst(_ shape: [Int]) -> Bool {
        [1, 3, 4].contains(shape[0]) && ![1, 3, 4].contains(shape[2])
    }

    static func tensor(_ image: Image) throws -> Tensor {
        try Tensor(image.pixels.map { Float($0) / 255 }, shape: [image.height, image.width, image.channels])
    }

    /// A [H, W, C] (C = 1, 3, 4) or [C, H, W] tensor in [0, 1] as an 8-bit image (values clamped, rounded; NaN
    /// is black, as `Image.quantize` has it).
    static func image(_ t: Tensor, function: String) throws -> Image {
        var hwc = t
        if t.rank == 3, isChannelsFirst(t.shape) { hwc = try t.permute([1, 2, 0]) }
        if t.rank == 2 { hwc = try t.unsqueeze(2) }
        guard hwc.rank == 3, [1, 3, 4].contains(hwc.shape[2]) else {
            throw LuaBindingError("\(function): expected an image tensor [H, W, C] or [C, H, W] with 1, 3 or 4 channels, got \(Shape.describe(t.shape))")
        }
        let pixels = try hwc.toArray().map(Image.quantize)
        return try Image(width: hwc.shape[1], height: hwc.shape[0], channels: hwc.shape[2], pixels: pixels)
    }
}
