import Foundation
import MindTensor

/// Spatially smooth random functions over the pseudo-anatomical voxel positions (sums of random plane
/// waves with wavelengths of a few centimetres), used for shared-noise and spontaneous-activity loadings
/// and for per-subject gain maps: neighbouring voxels get similar values, as in real fMRI.
enum SmoothFields {
    /// `count` fields evaluated at every voxel: a voxels × count matrix (row-major), each field with unit
    /// variance over random positions.
    static func evaluate(_ voxels: VoxelParameters, count: Int, wavelength: Float, rng: inout Xoshiro256StarStar) -> [Float] {
        let waves = 8
        var out = [Float](repeating: 0, count: voxels.count * count)
        for k in 0..<count {
            var fx = [Float](), fy = [Float](), fz = [Float](), phase = [Float]()
            let spatial = 2 * Float.pi / wavelength
            for _ in 0..<waves {
                fx.append(spatial * rng.nextNormal())
                fy.append(spatial * rng.nextNormal())
                fz.append(spatial * rng.nextNormal())
                phase.append(rng.uniform(0, 2 * .pi))
            }
            let amplitude = (2 / Float(waves)).squareRoot()
            for v in 0..<voxels.count {
                var sum: Float = 0
                for w in 0..<waves {
                    sum += cos(fx[w] * voxels.positionX[v] + fy[w] * voxels.positionY[v] + fz[w] * voxels.positionZ[v] + phase[w])
                }
                out[v * count + k] = amplitude * sum
            }
        }
        return out
    }

    /// Loadings (voxels × count) of shared latent factors: a global component plus smooth fields at two
    /// spatial scales (alternating 20 mm and 50 mm wavelengths), each row scaled to unit length so a
    /// voxel's shared variance is set by the caller alone.
    static func unitLoadings(_ voxels: VoxelParameters, count: Int, rng: inout Xoshiro256StarStar) -> [Float] {
        let fine = evaluate(voxels, count: (count + 1) / 2, wavelength: 20, rng: &rng)
        let broad = evaluate(voxels, count: count / 2, wavelength: 50, rng: &rng)
        var loadings = [Float](repeating: 0, count: voxels.count * count)
        for v in 0..<voxels.count {
            for k in 0..<count {
                loadings[v * count + k] = k % 2 == 0 ? fine[v * ((count + 1) / 2) + k / 2] : broad[v * (count / 2) + k / 2]
            }
            loadings[v * count] += 1.5
            var norm: Float = 0
            for k in 0..<count { norm += loadings[v * count + k] * loadings[v * count + k] }
            let scale = 1 / max(norm.squareRoot(), 1e-6)
            for k in 0..<count { loadings[v * count + k] *= scale }
        }
        return loadings
    }
}
