import Foundation

/// What a feature channel encodes; voxel tunings are specified per family (see `CorticalLayout`).
enum FeatureFamily: Int, CaseIterable, Sendable {
    case fine, mid, coarse, colour, luminance, hue, junction, texture, semantic
}

/// One block of the feature bank: `channels` maps on a `grid` × `grid` lattice over the image, stored
/// channel-major (`offset + channel * grid² + row * grid + column`).
struct FeatureBlock: Sendable {
    let grid: Int
    let offset: Int
    /// Family and preferred orientation index (0..<4, 45° steps) of a channel; nil if unoriented.
    typealias Channel = (family: FeatureFamily, orientation: Int?)

    let channels: [Channel]

    var count: Int { channels.count * grid * grid }
    var cellSize: Float { Float(FeatureBank.workingSize) / Float(grid) }
}

/// The per-image feature bank the simulated cortex reads from — computed once per image on coarse grids,
/// so voxel responses are one (grouped) matrix product instead of voxels × pixels loops.
///
/// From the 64×64 working image: quadrature-pair Gabor energy (4 orientations; wavelengths 4, 8 and 16 px,
/// i.e. about 1.3, 0.67 and 0.33 cycles/degree over a 12° field), colour-opponent signals (R−G, B−Y),
/// luminance ON/OFF, cross-orientation "junction" energy, orientation anisotropy and hue-tuned channels;
/// pooled into a fine block (16×16), a medium block (8×8) and a coarse block (4×4). Stimuli add a
/// semantic block: the category embedding times the object's (or, for background dimensions, the
/// background's) coverage of each cell of a 4×4 grid.
enum FeatureBank {
    static let workingSize = 64
    static let orientations = 4

    static let fine = FeatureBlock(grid: 16, offset: 0, channels:
        oriented(.fine) + unoriented(.mid, .colour, .colour, .luminance, .luminance))
    static let medium = FeatureBlock(grid: 8, offset: fine.offset + fine.count, channels:
        oriented(.mid) + oriented(.coarse) + unoriented(.colour, .colour, .colour, .colour, .luminance, .luminance))
    static let coarse = FeatureBlock(grid: 4, offset: medium.offset + medium.count, channels:
        oriented(.mid) + oriented(.coarse) + unoriented(.junction, .junction, .texture)
            + unoriented(.hue, .hue, .hue, .hue, .hue, .hue) + unoriented(.fine))
    static let semantic = FeatureBlock(grid: 4, offset: coarse.offset + coarse.count, channels:
        [FeatureBlock.Channel](repeating: (.semantic, nil), count: SemanticSpace.dimension))

    /// One channel of `family` per orientation.
    private static func oriented(_ family: FeatureFamily) -> [FeatureBlock.Channel] {
        (0..<orientations).map { (family, $0) }
    }

    private static func unoriented(_ families: FeatureFamily...) -> [FeatureBlock.Channel] {
        families.map { ($0, nil) }
    }

    /// Features computable from pixels (all blocks but the semantic one).
    static let imageFeatureCount = semantic.offset
    /// Image features plus the semantic block (stimuli of the labelled experiment).
    static let stimulusFeatureCount = semantic.offset + semantic.count

    /// Gabor envelope (px) and wavelength (px at each pyramid level); 9 taps.
    static let gaborSigma: Float = 1.6
    static let gaborWavelength: Float = 4
    static let gaborRadius = 4
}

/// Computes the feature bank of one image at a time with preallocated scratch (one extractor per thread).
struct FeatureExtractor {
    private let n = FeatureBank.workingSize
    private var luminance: [Float]
    private var redGreen: [Float]
    private var blueYellow: [Float]
    private var level1: [Float]
    private var level2: [Float]
    private var rowReal: [Float]
    private var rowImag: [Float]
    private var energy: [Float]
    private var padded: [Float]
    private var accumulatorReal: [Float]
    private var accumulatorImag: [Float]
    /// Energy maps at 16×16: E0 (4 orientations), E1 (4), E2 (4).
    private var e16: [Float]
    private var rg16: [Float]
    private var by16: [Float]
    private var lum16: [Float]
    /// 1-D complex kernels per orientation: x (cos, sin) and y (cos, sin), 9 taps each.
    private let kernels: [[Float]]
    /// Preferred directions of the six hue channels in the (R−G, B−Y) plane, 60° apart.
    private static let hueCos = (0..<6).map { cos(Float($0) * Float.pi / 3) }
    private static let hueSin = (0..<6).map { sin(Float($0) * Float.pi / 3) }

    init() {
        let n = FeatureBank.workingSize
        luminance = [Float](repeating: 0, count: n * n)
        redGreen = luminance
        blueYellow = luminance
        level1 = [Float](repeating: 0, count: n * n / 4)
        level2 = [Float](repeating: 0, count: n * n / 16)
        rowReal = [Float](repeating: 0, count: n * n)
        rowImag = rowReal
        energy = [Float](repeating: 0, count: FeatureBank.orientations * n * n / 4)
        padded = [Float](repeating: 0, count: n + 2 * FeatureBank.gaborRadius)
        accumulatorReal = [Float](repeating: 0, count: n)
        accumulatorImag = accumulatorReal
        e16 = [Float](repeating: 0, count: 12 * 256)
        rg16 = [Float](repeating: 0, count: 256)
        by16 = rg16
        lum16 = rg16
        let r = FeatureBank.gaborRadius
        let k = 2 * Float.pi / FeatureBank.gaborWavelength
        let sigma = FeatureBank.gaborSigma
        kernels = (0..<FeatureBank.orientations).map { o in
            let theta = Float(o) * Float.pi / 4
            let kx = k * cos(theta)
            let ky = k * sin(theta)
            let g = (-r...r).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
            var taps: [Float] = []
            for frequency in [kx, ky] {
                // Subtract the envelope-weighted mean of the carrier (the Morlet correction): the sampled
                // cosine kernel would otherwise respond strongly to uniform luminance.
                let cosines = (-r...r).map { cos(frequency * Float($0)) }
                let offset = abs(frequency) > 1e-6 ? zip(g, cosines).map { $0 * $1 }.reduce(0, +) / g.reduce(0, +) : 0
                taps += zip(g, cosines).map { $0 * ($1 - offset) }
                taps += (-r...r).enumerated().map { g[$0.offset] * sin(frequency * Float($0.element)) }
            }
            return taps
        }
    }

    /// Writes the `FeatureBank.imageFeatureCount` image features of a 64×64 RGB (HWC, [0, 1]) image.
    mutating func compute(rgb: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>) {
        precondition(rgb.count == n * n * 3, "FeatureExtractor: expects a 64×64×3 working image")
        // Opponent planes; luminance centred on mid-gray.
        for p in 0..<(n * n) {
            let r = rgb[3 * p], g = rgb[3 * p + 1], b = rgb[3 * p + 2]
            luminance[p] = 0.299 * r + 0.587 * g + 0.114 * b - 0.5
            redGreen[p] = r - g
            blueYellow[p] = b - 0.5 * (r + g)
        }
        FeatureExtractor.halve(luminance, size: n, into: &level1)
        FeatureExtractor.halve(level1, size: n / 2, into: &level2)

        // Energy maps, all brought to 16×16.
        for o in 0..<FeatureBank.orientations {
            gaborEnergy(plane: luminance, size: n, stride: 2, orientation: o)   // 32×32
            FeatureExtractor.halve(energy, size: 32, into: &e16, at: o * 256)
            gaborEnergy(plane: level1, size: n / 2, stride: 1, orientation: o)  // 32×32
            FeatureExtractor.halve(energy, size: 32, into: &e16, at: (4 + o) * 256)
            gaborEnergy(plane: level2, size: n / 4, stride: 1, orientation: o)  // 16×16
            for i in 0..<256 { e16[(8 + o) * 256 + i] = energy[i] }
        }
        FeatureExtractor.blockMean(redGreen, size: n, factor: 4, into: &rg16)
        FeatureExtractor.blockMean(blueYellow, size: n, factor: 4, into: &by16)
        FeatureExtractor.blockMean(luminance, size: n, factor: 4, into: &lum16)

        e16.withUnsafeBufferPointer { e in
            // Fine block (16×16).
            let f = out + FeatureBank.fine.offset
            for i in 0..<256 {
                for o in 0..<4 { f[o * 256 + i] = e[o * 256 + i] }
                f[4 * 256 + i] = e[4 * 256 + i] + e[5 * 256 + i] + e[6 * 256 + i] + e[7 * 256 + i]
                f[5 * 256 + i] = abs(rg16[i])
                f[6 * 256 + i] = abs(by16[i])
                f[7 * 256 + i] = max(lum16[i], 0)
                f[8 * 256 + i] = max(-lum16[i], 0)
            }
            // Medium block (8×8): pooled 2×2 from the 16×16 maps.
            let m = out + FeatureBank.medium.offset
            for c in 0..<14 {
                for cy in 0..<8 {
                    for cx in 0..<8 {
                        var sum: Float = 0
                        for dy in 0..<2 {
                            for dx in 0..<2 {
                                let i = (2 * cy + dy) * 16 + 2 * cx + dx
                                switch c {
                                case 0..<8: sum += e[(4 + c) * 256 + i]
                                case 8: sum += max(rg16[i], 0)
                                case 9: sum += max(-rg16[i], 0)
                                case 10: sum += max(by16[i], 0)
                                case 11: sum += max(-by16[i], 0)
                                case 12: sum += max(lum16[i], 0)
                                default: sum += max(-lum16[i], 0)
                                }
                            }
                        }
                        m[c * 64 + cy * 8 + cx] = sum * 0.25
                    }
                }
            }
            // Coarse block (4×4): pooled 4×4 from the 16×16 maps.
            let q = out + FeatureBank.coarse.offset
            for c in 0..<18 { for g in 0..<16 { q[c * 16 + g] = 0 } }
            for i in 0..<256 {
                let g = (i / 16 / 4) * 4 + (i % 16) / 4
                for o in 0..<4 {
                    q[o * 16 + g] += e[(4 + o) * 256 + i]
                    q[(4 + o) * 16 + g] += e[(8 + o) * 256 + i]
                }
                let mid0 = e[4 * 256 + i], mid1 = e[5 * 256 + i], mid2 = e[6 * 256 + i], mid3 = e[7 * 256 + i]
                q[8 * 16 + g] += (mid0 * mid2).squareRoot()
                q[9 * 16 + g] += (mid1 * mid3).squareRoot()
                q[10 * 16 + g] += max(max(mid0, mid1), max(mid2, mid3)) - min(min(mid0, mid1), min(mid2, mid3))
                let a = rg16[i], b = by16[i]
                let chroma = (a * a + b * b).squareRoot() + 0.02
                for h in 0..<6 {
                    let projection = max(a * FeatureExtractor.hueCos[h] + b * FeatureExtractor.hueSin[h], 0)
                    q[(11 + h) * 16 + g] += projection * projection / chroma
                }
                q[17 * 16 + g] += e[i] + e[256 + i] + e[512 + i] + e[768 + i]
            }
            for k in 0..<(18 * 16) { q[k] *= 1.0 / 16 }
        }
    }

    /// The semantic block: each embedding dimension times the object coverage of each 4×4 cell (background
    /// dimensions times the uncovered fraction). `mask` is the 64×64 object coverage.
    static func semanticFeatures(embedding: [Float], mask: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let n = FeatureBank.workingSize
        let cell = n / 4
        var coverage = [Float](repeating: 0, count: 16)
        for y in 0..<n {
            for x in 0..<n { coverage[(y / cell) * 4 + x / cell] += mask[y * n + x] }
        }
        for g in 0..<16 { coverage[g] /= Float(cell * cell) }
        for (k, value) in embedding.enumerated() {
            let background = SemanticSpace.backgroundRange.contains(k)
            for g in 0..<16 { out[k * 16 + g] = value * (background ? 1 - coverage[g] : coverage[g]) }
        }
    }

    /// Complex Gabor response magnitude of `plane` (size²) at every `stride`-th pixel, via the separable
    /// factorization of an isotropic-envelope complex Gabor: a complex 1-D pass along rows, then along columns.
    /// Borders replicate the edge pixels. Result in `energy[0 ..< (size/stride)²]`.
    private mutating func gaborEnergy(plane: [Float], size: Int, stride: Int, orientation: Int) {
        let r = FeatureBank.gaborRadius
        let taps = 2 * r + 1
        let outSize = size / stride
        kernels[orientation].withUnsafeBufferPointer { k in
            let xc = k.baseAddress!, xs = xc + taps, yc = xs + taps, ys = yc + taps
            plane.withUnsafeBufferPointer { src in
                rowReal.withUnsafeMutableBufferPointer { re in
                    rowImag.withUnsafeMutableBufferPointer { im in
                        padded.withUnsafeMutableBufferPointer { padBuffer in
                            // Raw pointers: buffer-pointer subscripts are bounds-checked in debug builds.
                            let pad = padBuffer.baseAddress!
                            // Row pass at every row, output columns every `stride` pixels.
                            for y in 0..<size {
                                let row = src.baseAddress! + y * size
                                for x in 0..<(size + 2 * r) { pad[x] = row[min(max(x - r, 0), size - 1)] }
                                let a = re.baseAddress! + y * outSize
                                let b = im.baseAddress! + y * outSize
                                a.initialize(repeating: 0, count: outSize)
                                b.initialize(repeating: 0, count: outSize)
                                for t in 0..<taps {
                                    let c = xc[t], s = xs[t]
                                    let shifted = pad + t
                                    for xo in 0..<outSize {
                                        let v = shifted[xo * stride]
                                        a[xo] += c * v
                                        b[xo] += s * v
                                    }
                                }
                            }
                        }
                        // Column pass on every `stride`-th row, accumulated a whole output row at a time.
                        accumulatorReal.withUnsafeMutableBufferPointer { arBuffer in
                            accumulatorImag.withUnsafeMutableBufferPointer { aiBuffer in
                                energy.withUnsafeMutableBufferPointer { e in
                                    let ar = arBuffer.baseAddress!, ai = aiBuffer.baseAddress!
                                    for yo in 0..<outSize {
                                        let y = yo * stride
                                        ar.initialize(repeating: 0, count: outSize)
                                        ai.initialize(repeating: 0, count: outSize)
                                        for s in 0..<taps {
                                            let yy = min(max(y + s - r, 0), size - 1)
                                            let a = re.baseAddress! + yy * outSize
                                            let b = im.baseAddress! + yy * outSize
                                            let c = yc[s], d = ys[s]
                                            for xo in 0..<outSize {
                                                ar[xo] += c * a[xo] - d * b[xo]
                                                ai[xo] += c * b[xo] + d * a[xo]
                                            }
                                        }
                                        let out = e.baseAddress! + yo * outSize
                                        for xo in 0..<outSize { out[xo] = (ar[xo] * ar[xo] + ai[xo] * ai[xo]).squareRoot() }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// 2×2 block means of a size² plane into `out[at ..< at + (size/2)²]`.
    private static func halve(_ plane: [Float], size: Int, into out: inout [Float], at offset: Int = 0) {
        let half = size / 2
        for y in 0..<half {
            for x in 0..<half {
                let i = 2 * y * size + 2 * x
                out[offset + y * half + x] = 0.25 * (plane[i] + plane[i + 1] + plane[i + size] + plane[i + size + 1])
            }
        }
    }

    /// factor×factor block means of a size² plane.
    private static func blockMean(_ plane: [Float], size: Int, factor: Int, into out: inout [Float]) {
        let m = size / factor
        for i in 0..<(m * m) { out[i] = 0 }
        for y in 0..<size {
            for x in 0..<size { out[(y / factor) * m + x / factor] += plane[y * size + x] }
        }
        let scale = 1 / Float(factor * factor)
        for i in 0..<(m * m) { out[i] *= scale }
    }
}
