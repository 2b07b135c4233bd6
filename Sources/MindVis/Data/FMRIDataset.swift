import MindTensor

/// fMRI samples, one row per trial (or averaged response), with the stimulus each row shows.
/// Immutable: padding and cropping return new datasets.
public final class FMRIDataset {
    public let name: String
    /// [N, V] float32, already padded and normalised by the loader.
    public let fmri: Tensor
    /// The stimuli and, per row, the index of the image it shows (nil: no images, e.g. HCP).
    public let images: ImageSet?
    public let imageIndex: [Int]?
    /// Per row, the image's class label if the dataset provides one (-1 where unknown).
    public let labels: [Int]?
    /// Whether the labels are 0-based category indices (the simulation's: positions in its category list, shown
    /// 1-based in Lua) rather than identifiers from the data files (GOD's WordNet offsets, shown as they are).
    public let labelsAreCategories: Bool
    /// Facts about how the data were prepared (normalisation statistics, subjects, ...).
    public let info: [(String, ConfigValue)]

    public init(name: String, fmri: Tensor, images: ImageSet? = nil, imageIndex: [Int]? = nil, labels: [Int]? = nil,
                labelsAreCategories: Bool = false, info: [(String, ConfigValue)] = []) throws {
        guard fmri.rank == 2 else { throw TensorError("\(name): fMRI must be [samples, voxels], got \(Shape.describe(fmri.shape))") }
        let n = fmri.shape[0]
        if let imageIndex {
            guard let images, imageIndex.count == n else {
                throw TensorError("\(name): \(imageIndex.count) image indices for \(n) fMRI rows")
            }
            if let bad = imageIndex.first(where: { $0 < 0 || $0 >= images.count }) {
                throw TensorError("\(name): image index \(bad) is out of range for \(images.count) images")
            }
        }
        if let labels, labels.count != n { throw TensorError("\(name): \(labels.count) labels for \(n) fMRI rows") }
        self.name = name
        self.fmri = try fmri.contiguous().detach()
        self.images = images
        self.imageIndex = imageIndex
        self.labels = labels
        self.labelsAreCategories = labelsAreCategories
        self.info = info
    }

    public var count: Int { fmri.shape[0] }
    public var voxelCount: Int { fmri.shape[1] }

    private func checkRow(_ i: Int) throws {
        guard i >= 0 && i < count else { throw TensorError("\(name): index \(i) is out of range for \(count) samples") }
    }

    /// Row `i`: its voxels [V], its image ([H, W, C] floats in [0, 1]) and its label, where present.
    public func item(_ i: Int) throws -> (fmri: Tensor, image: Tensor?, label: Int?) {
        try checkRow(i)
        let image = try imageIndex.map { try images!.floatImage($0[i]) }
        return (try fmri.select(0, i).contiguous(), image, labels.map { $0[i] })
    }

    /// The fMRI rows `rows` as [B, V].
    public func rows(_ rows: [Int]) throws -> Tensor {
        for r in rows { try checkRow(r) }
        return try fmri.indexSelect(0, index: Tensor(rows.map(Float.init)))
    }

    /// Index batches covering the dataset, shuffled with `generator` when asked (a fresh order per call).
    public func batches(size: Int, shuffle: Bool, dropLast: Bool, generator: Generator = .default) throws -> [[Int]] {
        guard size > 0 else { throw TensorError("\(name): batch size must be positive, got \(size)") }
        let order = shuffle ? generator.permutation(count) : Array(0..<count)
        var out: [[Int]] = []
        var start = 0
        while start < count {
            let end = Swift.min(count, start + size)
            if end - start == size || !dropLast { out.append(Array(order[start..<end])) }
            start = end
        }
        return out
    }

    /// The same samples with another voxel matrix (same rows).
    func replacingFMRI(_ x: Tensor, note: (String, ConfigValue)) throws -> FMRIDataset {
        try FMRIDataset(name: name, fmri: x, images: images, imageIndex: imageIndex, labels: labels, labelsAreCategories: labelsAreCategories,
                        info: info + [note])
    }

    /// Rows circularly extended to `length` voxels (stage A2 reconciling with a longer checkpoint).
    public func padded(to length: Int) throws -> FMRIDataset {
        try replacingFMRI(VoxelLayout.wrapPad(fmri, to: length), note: ("padded_to", .int(length)))
    }

    /// Rows cut to their first `length` voxels.
    public func cropped(to length: Int) throws -> FMRIDataset {
        guard length > 0, length <= voxelCount else {
            throw TensorError("\(name): cannot crop \(voxelCount) voxels to \(length)")
        }
        return try replacingFMRI(fmri.narrow(1, start: 0, length: length).contiguous(), note: ("cropped_to", .int(length)))
    }

    /// Stage A2's reconciliation with a checkpoint: wrap-padded when shorter, truncated when longer.
    public func fitted(to length: Int) throws -> FMRIDataset {
        length == voxelCount ? self : try replacingFMRI(VoxelLayout.fit(fmri, to: length), note: ("fitted_to", .int(length)))
    }

    /// Datasets stacked (voxels wrap-padded to the longest); images and labels are kept only when every
    /// part has them with the same image size.
    public static func concatenating(_ parts: [FMRIDataset]) throws -> FMRIDataset {
        guard let first = parts.first else { throw TensorError("concat: no datasets given") }
        let fmri = try concatenateSubjects(parts.map(\.fmri))
        let name = parts.map(\.name).joined(separator: " + ")
        guard parts.allSatisfy({ $0.images != nil && $0.imageIndex != nil }),
              parts.allSatisfy({ $0.images!.height == first.images!.height && $0.images!.width == first.images!.width && $0.images!.channels == first.images!.channels })
        else { return try FMRIDataset(name: name, fmri: fmri, info: [("parts", .list(parts.map { .string($0.name) }))]) }
        var pixels: [UInt8] = [], index: [Int] = [], offset = 0
        for p in parts {
            pixels += p.images!.pixels
            index += p.imageIndex!.map { $0 + offset }
            offset += p.images!.count
        }
        let images = try ImageSet(count: offset, height: first.images!.height, width: first.images!.width, channels: first.images!.channels, pixels: pixels)
        let sameKind = parts.allSatisfy { $0.labelsAreCategories == first.labelsAreCategories }
        let labels = sameKind && parts.allSatisfy({ $0.labels != nil }) ? parts.flatMap { $0.labels! } : nil
        return try FMRIDataset(name: name, fmri: fmri, images: images, imageIndex: index, labels: labels,
                               labelsAreCategories: first.labelsAreCategories, info: [("parts", .list(parts.map { .string($0.name) }))])
    }

    /// The samples `rows` as a new dataset.
    public func subset(_ rows: [Int], name newName: String? = nil) throws -> FMRIDataset {
        try FMRIDataset(name: newName ?? name, fmri: self.rows(rows), images: images, imageIndex: imageIndex.map { idx in rows.map { idx[$0] } },
                        labels: labels.map { l in rows.map { l[$0] } }, labelsAreCategories: labelsAreCategories, info: info)
    }
}
