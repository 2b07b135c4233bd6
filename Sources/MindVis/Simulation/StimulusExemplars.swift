import MindImage
import MindTensor

/// New exemplars of any stimulus category, drawn like the dataset's (`StimulusScene.random`: position, size,
/// rotation, texture phase, colour jitter, background details) but from their own random streams, so they are
/// never the dataset's images — what the CNN judge learns the categories from (`SeedTag.judgeExemplar`), and what a
/// generative model of the categories trains on (`SeedTag.generativeExemplar`, never the judge's images either).
enum StimulusExemplars {
    /// `perCategory` exemplars of each category (category-major: image c · perCategory + k is exemplar k of
    /// category c), RGB bytes HWC, size × size each. `split` keys independent sets (training, held-out) under
    /// one seed; exemplar k of a category is the same whatever the other categories are.
    static func render(_ categories: [CategoryFactors], perCategory: Int, size: Int, seed: UInt64, split: UInt64,
                       stream: UInt64 = SeedTag.judgeExemplar) throws -> [UInt8] {
        let imageBytes = size * size * 3, total = categories.count * perCategory
        try MemoryCheck.ensureAvailable(bytes: total * imageBytes, for: "\(total) renderings of \(size)×\(size) pixels")
        var bytes = [UInt8](repeating: 0, count: total * imageBytes)
        bytes.withUnsafeMutableBufferPointer { b in
            let base = b.baseAddress!
            Parallel.forEachChunk(total) { range, _ in
                for i in range {
                    let category = categories[i / perCategory]
                    var rng = Xoshiro256StarStar(seed: seed, stream: stream, split, UInt64(category.code), UInt64(i % perCategory))
                    let rgb = StimulusScene.random(category: category, rng: &rng).render(size: size)
                    for p in 0..<imageBytes { base[i * imageBytes + p] = Image.quantize(rgb[p]) }
                }
            }
        }
        return bytes
    }
}
