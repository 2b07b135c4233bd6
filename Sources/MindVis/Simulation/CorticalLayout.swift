import Foundation
import MindTensor

/// How voxels of one region of interest are drawn: pRF eccentricity range and size law, compressive
/// exponent, single-trial SNR, feature-family preferences and semantic tuning.
struct ROISpec: Sendable {
    enum SemanticPrior: Sendable { case none, generic, faceLike, sceneLike }

    let name: String
    /// pRF size (Gaussian σ, degrees) = sizeIntercept + sizeSlope × eccentricity.
    let sizeIntercept: Float
    let sizeSlope: Float
    let eccentricityRange: ClosedRange<Float>
    /// Mean exponent of the compressive nonlinearity (compressive spatial summation: < 1, smaller higher up).
    let exponent: Float
    /// Median single-trial SNR (signal variance / noise variance).
    let snr: Float
    /// Share of a GOD-like subject's voxels.
    let share: Float
    /// Relative weight of each feature family in the image-driven part of the response.
    let families: [FeatureFamily: Float]
    let semanticStrength: Float
    let semanticPrior: SemanticPrior
    /// Maximum amplitude of a voxel's orientation preference (voxels show weak biases).
    let orientationBias: Float
    /// Position (mm) of the area's foveal representation in a pseudo-anatomical space, and how
    /// eccentricity / polar angle spread along y / z (mm per unit).
    let anchor: (x: Float, y: Float, z: Float)
    let eccentricitySpread: Float
    let angleSpread: Float
    let angleOffset: Float

    /// Higher areas read the coarse block and the category semantics regardless of pRF size.
    var isHigher: Bool { semanticPrior != .none }
}

/// Ground-truth parameters of every voxel, in column order.
public struct VoxelParameters: Sendable {
    /// Index into the ROI list of the owner (`SimulatedSubject.baseROINames` / pool ROI names).
    public var roi: [Int] = []
    /// pRF centre (degrees, x right, y up; the image spans ±6°) and Gaussian size σ (degrees).
    public var prfX: [Float] = []
    public var prfY: [Float] = []
    public var prfSigma: [Float] = []
    public var exponent: [Float] = []
    public var gain: [Float] = []
    public var baseline: [Float] = []
    /// Target single-trial SNR (signal variance / noise variance) and the resulting noise SD.
    public var targetSNR: [Float] = []
    public var noiseSD: [Float] = []
    /// Pseudo-anatomical position (mm); columns are ordered by the raster index of 3 mm voxels.
    public var positionX: [Float] = []
    public var positionY: [Float] = []
    public var positionZ: [Float] = []

    public var count: Int { roi.count }
}

/// A voxel's feature tuning (what the readout weights are built from).
struct VoxelTuning: Sendable {
    var families: [Float]
    var preferredOrientation: Float
    var orientationAmplitude: Float
    var semantic: [Float]
}

/// The voxels of one subject (or of the pool's atlas space): ROIs, pRFs, tunings, column order.
struct CorticalLayout: Sendable {
    /// The image spans ±`fieldRadius` degrees (GOD showed images at 12° × 12°).
    static let fieldRadius: Float = 6

    let rois: [ROISpec]
    var voxels: VoxelParameters
    var tunings: [VoxelTuning]

    // MARK: the areas

    static let V1 = ROISpec(name: "V1", sizeIntercept: 0.15, sizeSlope: 0.07, eccentricityRange: 0.1...8, exponent: 0.7,
                            snr: 0.14, share: 0.20,
                            families: [.fine: 0.5, .mid: 0.2, .coarse: 0.05, .colour: 0.15, .luminance: 0.1],
                            semanticStrength: 0, semanticPrior: .none, orientationBias: 0.5,
                            anchor: (8, -95, 0), eccentricitySpread: 15, angleSpread: 6, angleOffset: 0)
    static let V2 = ROISpec(name: "V2", sizeIntercept: 0.2, sizeSlope: 0.12, eccentricityRange: 0.1...8, exponent: 0.6,
                            snr: 0.12, share: 0.20,
                            families: [.fine: 0.3, .mid: 0.3, .coarse: 0.1, .colour: 0.15, .luminance: 0.05, .hue: 0.05, .junction: 0.05],
                            semanticStrength: 0, semanticPrior: .none, orientationBias: 0.4,
                            anchor: (12, -92, 0), eccentricitySpread: 13, angleSpread: 6, angleOffset: 8)
    static let V3 = ROISpec(name: "V3", sizeIntercept: 0.3, sizeSlope: 0.18, eccentricityRange: 0.1...8, exponent: 0.5,
                            snr: 0.10, share: 0.16,
                            families: [.fine: 0.15, .mid: 0.3, .coarse: 0.25, .colour: 0.1, .luminance: 0.05, .hue: 0.05, .junction: 0.1],
                            semanticStrength: 0, semanticPrior: .none, orientationBias: 0.3,
                            anchor: (16, -88, 0), eccentricitySpread: 11, angleSpread: 5, angleOffset: 14)
    static let V4 = ROISpec(name: "V4", sizeIntercept: 0.5, sizeSlope: 0.3, eccentricityRange: 0.1...8, exponent: 0.4,
                            snr: 0.08, share: 0.11,
                            families: [.fine: 0.05, .mid: 0.15, .coarse: 0.2, .colour: 0.1, .hue: 0.25, .junction: 0.15, .texture: 0.1],
                            semanticStrength: 0, semanticPrior: .none, orientationBias: 0.2,
                            anchor: (30, -78, -12), eccentricitySpread: 8, angleSpread: 4, angleOffset: 0)
    static let FFA = ROISpec(name: "FFA", sizeIntercept: 1.5, sizeSlope: 0.5, eccentricityRange: 0...4, exponent: 0.35,
                             snr: 0.05, share: 0.09,
                             families: [.mid: 0.05, .coarse: 0.2, .hue: 0.1, .junction: 0.15],
                             semanticStrength: 1.2, semanticPrior: .faceLike, orientationBias: 0.1,
                             anchor: (38, -50, -20), eccentricitySpread: 4, angleSpread: 3, angleOffset: 0)
    static let PPA = ROISpec(name: "PPA", sizeIntercept: 2.0, sizeSlope: 0.5, eccentricityRange: 1...9, exponent: 0.35,
                             snr: 0.05, share: 0.08,
                             families: [.mid: 0.1, .coarse: 0.3, .texture: 0.2],
                             semanticStrength: 1.0, semanticPrior: .sceneLike, orientationBias: 0.1,
                             anchor: (26, -45, -12), eccentricitySpread: 4, angleSpread: 3, angleOffset: 0)
    static let LOC = ROISpec(name: "LOC", sizeIntercept: 1.2, sizeSlope: 0.5, eccentricityRange: 0...8, exponent: 0.35,
                             snr: 0.06, share: 0.16,
                             families: [.fine: 0.05, .mid: 0.1, .coarse: 0.2, .hue: 0.1, .junction: 0.2, .texture: 0.1],
                             semanticStrength: 1.0, semanticPrior: .generic, orientationBias: 0.1,
                             anchor: (42, -75, 0), eccentricitySpread: 5, angleSpread: 4, angleOffset: 0)

    /// GOD's base ROIs in the order of the keys in its sbj_N.npz files.
    static let godROIs = [V1, V2, V3, V4, FFA, PPA, LOC]
    /// HCP_visual_voxel.npz has V1..V4 only.
    static let poolROIs = [V1, V2, V3, V4]

    // MARK: generation

    /// Draws `counts[i]` voxels for `rois[i]` and orders the columns by pseudo-anatomical raster position,
    /// so neighbouring columns are neighbours in cortex. With `groupedByROI` the columns of each ROI are
    /// contiguous (HCP's per-ROI arrays); otherwise ROIs interleave as in volume-ordered GOD data.
    init(rois: [ROISpec], counts: [Int], groupedByROI: Bool, rng: inout Xoshiro256StarStar) {
        precondition(rois.count == counts.count, "CorticalLayout: one count per ROI")
        var drawn = VoxelParameters()
        var tunings: [VoxelTuning] = []
        var keys: [(Int, Int, Int, Int, Int)] = []
        for (r, spec) in rois.enumerated() {
            for _ in 0..<counts[r] {
                let voxel = CorticalLayout.drawVoxel(spec, roiIndex: r, rng: &rng, into: &drawn)
                tunings.append(voxel)
                let i = drawn.count - 1
                keys.append((groupedByROI ? r : 0, Int((drawn.positionZ[i] / 3).rounded(.down)),
                             Int((drawn.positionY[i] / 3).rounded(.down)), Int((drawn.positionX[i] / 3).rounded(.down)), i))
            }
        }
        let order = keys.sorted { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1 != b.1 { return a.1 < b.1 }
            if a.2 != b.2 { return a.2 < b.2 }
            if a.3 != b.3 { return a.3 < b.3 }
            return a.4 < b.4
        }.map { $0.4 }
        func permute<T>(_ values: [T]) -> [T] { order.map { values[$0] } }
        var voxels = VoxelParameters()
        voxels.roi = permute(drawn.roi)
        voxels.prfX = permute(drawn.prfX)
        voxels.prfY = permute(drawn.prfY)
        voxels.prfSigma = permute(drawn.prfSigma)
        voxels.exponent = permute(drawn.exponent)
        voxels.gain = permute(drawn.gain)
        voxels.baseline = permute(drawn.baseline)
        voxels.targetSNR = permute(drawn.targetSNR)
        voxels.noiseSD = permute(drawn.noiseSD)
        voxels.positionX = permute(drawn.positionX)
        voxels.positionY = permute(drawn.positionY)
        voxels.positionZ = permute(drawn.positionZ)
        self.rois = rois
        self.voxels = voxels
        self.tunings = permute(tunings)
    }

    private static func drawVoxel(_ spec: ROISpec, roiIndex: Int, rng: inout Xoshiro256StarStar,
                                  into voxels: inout VoxelParameters) -> VoxelTuning {
        // Eccentricity uniform in log(e + 1): denser near the fovea (cortical magnification).
        let lo = log(spec.eccentricityRange.lowerBound + 1)
        let hi = log(spec.eccentricityRange.upperBound + 1)
        let eccentricity = exp(rng.uniform(lo, hi)) - 1
        let angle = rng.uniform(0, 2 * .pi)
        let x = eccentricity * cos(angle)
        let y = eccentricity * sin(angle)
        voxels.roi.append(roiIndex)
        voxels.prfX.append(x)
        voxels.prfY.append(y)
        voxels.prfSigma.append((spec.sizeIntercept + spec.sizeSlope * eccentricity) * exp(0.2 * rng.nextNormal()))
        voxels.exponent.append(min(max(spec.exponent + 0.05 * rng.nextNormal(), 0.1), 1))
        voxels.gain.append(exp(0.3 * rng.nextNormal()))
        voxels.baseline.append(0.3 * rng.nextNormal())
        voxels.targetSNR.append(spec.snr * exp(0.7 * rng.nextNormal()))
        voxels.noiseSD.append(0)

        // Contralateral hemispheres; upper field maps ventrally; eccentricity runs anteriorly.
        let hemisphere: Float = x < 0 ? 1 : -1
        let cortical = log(1 + eccentricity)
        let polar = atan2(y, abs(x))
        let side: Float = polar >= 0 ? 1 : -1
        voxels.positionX.append(hemisphere * (spec.anchor.x + 1.5 * cortical) + 2 * rng.nextNormal())
        voxels.positionY.append(spec.anchor.y + spec.eccentricitySpread * cortical + 2 * rng.nextNormal())
        voxels.positionZ.append(spec.anchor.z - spec.angleSpread * polar - side * spec.angleOffset + 2 * rng.nextNormal())

        var families = [Float](repeating: 0, count: FeatureFamily.allCases.count)
        // In the fixed case order: iterating the dictionary would consume draws in a per-process order.
        for family in FeatureFamily.allCases {
            if let weight = spec.families[family] { families[family.rawValue] = weight * exp(0.3 * rng.nextNormal()) }
        }
        // Half of the voxels prefer radial orientations (the radial bias of early visual cortex).
        let radial = atan2(-y, x) + .pi / 2
        let preferred = rng.nextFloat() < 0.5 ? radial + 0.3 * rng.nextNormal() : rng.uniform(0, .pi)
        let amplitude = rng.uniform(0, spec.orientationBias)
        var semantic = [Float](repeating: 0, count: SemanticSpace.dimension)
        if spec.isHigher {
            for k in 0..<semantic.count { semantic[k] = rng.nextNormal() * (SemanticSpace.shapeRange.contains(k) ? 1 : 0.5) }
            switch spec.semanticPrior {
            case .faceLike:
                semantic[SemanticSpace.roundness] += 2
                semantic[SemanticSpace.hole] += 0.7
                semantic[SemanticSpace.corners] -= 0.7
            case .sceneLike:
                semantic[SemanticSpace.sceneDimension] += 2
                semantic[SemanticSpace.patterned] += 1
                semantic[SemanticSpace.corners] += 0.7
                semantic[SemanticSpace.roundness] -= 0.7
            case .generic, .none:
                break
            }
            let norm = semantic.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in 0..<semantic.count { semantic[k] *= spec.semanticStrength / max(norm, 1e-6) }
        }
        return VoxelTuning(families: families, preferredOrientation: preferred, orientationAmplitude: amplitude,
                           semantic: semantic)
    }

    /// Splits `total` voxels over the ROIs by their shares, jittered per subject; every ROI gets at least 10.
    static func subjectCounts(total: Int, rois: [ROISpec], rng: inout Xoshiro256StarStar) -> [Int] {
        let weights = rois.map { $0.share * exp(0.15 * rng.nextNormal()) }
        let sum = weights.reduce(0, +)
        let spare = total - 10 * rois.count
        let exact = weights.map { Double($0 / sum) * Double(spare) }
        var counts = exact.map { Int($0.rounded(.down)) }
        let order = exact.indices.sorted { exact[$0] - Double(counts[$0]) > exact[$1] - Double(counts[$1]) }
        for i in 0..<(spare - counts.reduce(0, +)) { counts[order[i % order.count]] += 1 }
        return counts.map { $0 + 10 }
    }

    /// Boolean column masks of each base ROI followed by the named unions (e.g. LVC, HVC, VC).
    func masks(unions: [(String, [String])]) -> [(String, [Bool])] {
        var result: [(String, [Bool])] = rois.enumerated().map { r, spec in (spec.name, voxels.roi.map { $0 == r }) }
        for (name, members) in unions {
            let indices = Set(members.compactMap { m in rois.firstIndex { $0.name == m } })
            result.append((name, voxels.roi.map { indices.contains($0) }))
        }
        return result
    }
}
