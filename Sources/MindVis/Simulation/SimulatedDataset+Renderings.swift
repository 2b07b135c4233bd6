import MindTensor

extension SimulatedDataset {
    /// The names of the factors every category combines, in the order of `factorLevels`.
    public static let factorNames = ["shape", "colour", "texture", "background"]

    /// Per category, its level of each factor (0-based, in the order of `factorNames`), and how many levels
    /// each factor has: the categories' structure, which a class embedding can share (an unseen category is a new
    /// combination of levels seen in training).
    public var factorLevels: (levels: [[Int]], counts: [Int]) {
        (categoryFactors.map { [$0.shape.rawValue, $0.colour.rawValue, $0.texture.rawValue, $0.background.rawValue] },
         [ShapeKind.allCases.count, ColourKind.allCases.count, TextureKind.allCases.count, BackgroundKind.allCases.count])
    }

    /// `perCategory` new renderings of every category, training and test (category-major), labelled with their
    /// category and without fMRI ([N, 0]): labelled images for a generative model of the stimuli, in the role of
    /// the ImageNet images the reference's label2img LDM learnt GOD's categories from. They come from their own
    /// random stream under `seed`, so they are never the dataset's images (test images included) nor the judge's.
    public func renderings(perCategory: Int, seed: UInt64) throws -> FMRIDataset {
        guard perCategory >= 1 else { throw TensorError("renderings: per_category must be at least 1, got \(perCategory)") }
        let bytes = try StimulusExemplars.render(categoryFactors, perCategory: perCategory, size: imageSize, seed: seed, split: 0,
                                             stream: SeedTag.generativeExemplar)
        let count = categoryFactors.count * perCategory
        let images = try ImageSet(count: count, height: imageSize, width: imageSize, channels: 3, pixels: bytes)
        return try FMRIDataset(name: "renderings of \(categoryFactors.count) categories", fmri: Tensor.zeros([count, 0]), images: images,
                               imageIndex: Array(0..<count), labels: (0..<count).map { $0 / perCategory }, labelsAreCategories: true,
                               info: [("per_category", .int(perCategory)), ("seed", .int(Int(seed)))])
    }
}
