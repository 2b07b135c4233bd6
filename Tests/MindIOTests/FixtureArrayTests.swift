import Foundation
import XCTest
@testable import MindIO

/// Every array in the shared fixtures' .npz/.npy files, as numpy reads it: dtype, shape, a few elements
/// (C order; first, middle, last) and the float64 sum. Printed once with numpy 2.4 and pasted here.
private struct ArraySpec {
    let path: String
    let key: String
    let dtype: DType
    let shape: [Int]
    let samples: [(Int, Double)]
    let sum: Double

    init(_ path: String, _ key: String, _ dtype: DType, _ shape: [Int], _ samples: [(Int, Double)], sum: Double) {
        (self.path, self.key, self.dtype, self.shape, self.samples, self.sum) = (path, key, dtype, shape, samples, sum)
    }
}

final class FixtureArrayTests: XCTestCase {
    private let specs: [ArraySpec] = [
        ArraySpec("datasets/HCP/npz/100206/HCP_visual_voxel.npz", "V1", .float32, [1200, 13], [(0, 862.1184692382812), (7800, 905.2875366210938), (15599, 994.796142578125)], sum: 14041741.22845459),
        ArraySpec("datasets/HCP/npz/100206/HCP_visual_voxel.npz", "V2", .float32, [1200, 11], [(0, 824.2910766601562), (6600, 902.7352294921875), (13199, 899.5670776367188)], sum: 11884046.383178711),
        ArraySpec("datasets/HCP/npz/100206/HCP_visual_voxel.npz", "V3", .float32, [1200, 6], [(0, 929.6195068359375), (3600, 881.2167358398438), (7199, 846.506591796875)], sum: 6480891.133544922),
        ArraySpec("datasets/HCP/npz/100206/HCP_visual_voxel.npz", "V4", .float32, [1200, 5], [(0, 1053.424072265625), (3000, 919.5475463867188), (5999, 921.7603149414062)], sum: 5393608.272827148),
        ArraySpec("datasets/HCP/npz/100307/HCP_visual_voxel.npz", "V1", .float32, [1200, 12], [(0, 894.5904541015625), (7200, 866.2915649414062), (14399, 865.3106689453125)], sum: 12959213.393798828),
        ArraySpec("datasets/HCP/npz/100307/HCP_visual_voxel.npz", "V2", .float32, [1200, 10], [(0, 828.4088134765625), (6000, 926.2300415039062), (11999, 950.2159423828125)], sum: 10793713.442810059),
        ArraySpec("datasets/HCP/npz/100307/HCP_visual_voxel.npz", "V3", .float32, [1200, 7], [(0, 865.587158203125), (4200, 955.7764892578125), (8399, 885.359619140625)], sum: 7562954.780822754),
        ArraySpec("datasets/HCP/npz/100307/HCP_visual_voxel.npz", "V4", .float32, [1200, 6], [(0, 955.654296875), (3600, 914.6337280273438), (7199, 976.6111450195312)], sum: 6481365.5861206055),
        ArraySpec("datasets/Kamitani/npz/images_256.npz", "train_images", .uint8, [6, 256, 256, 3], [(0, 139), (589824, 245), (1179647, 115)], sum: 150349121.0),
        ArraySpec("datasets/Kamitani/npz/images_256.npz", "test_images", .uint8, [3, 256, 256, 3], [(0, 145), (294912, 133), (589823, 60)], sum: 75229833.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "V1", .bool, [41], [(0, 0), (20, 0), (40, 0)], sum: 14.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "V2", .bool, [41], [(0, 0), (20, 0), (40, 0)], sum: 19.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "V3", .bool, [41], [(0, 1), (20, 0), (40, 0)], sum: 19.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "V4", .bool, [41], [(0, 1), (20, 1), (40, 1)], sum: 19.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "FFA", .bool, [41], [(0, 0), (20, 0), (40, 0)], sum: 21.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "PPA", .bool, [41], [(0, 1), (20, 0), (40, 1)], sum: 19.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "LOC", .bool, [41], [(0, 0), (20, 1), (40, 1)], sum: 21.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "LVC", .bool, [41], [(0, 1), (20, 1), (40, 0)], sum: 23.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "HVC", .bool, [41], [(0, 0), (20, 0), (40, 0)], sum: 19.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "VC", .bool, [41], [(0, 1), (20, 1), (40, 0)], sum: 38.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "arr_0", .float32, [10, 41], [(0, 2.856238603591919), (205, 1.0286242961883545), (409, 0.8968043923377991)], sum: 267.3618629150915),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "arr_1", .float32, [12, 41], [(0, -3.1531288623809814), (246, 2.352607011795044), (491, 2.9714248180389404)], sum: 751.6641687378287),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "arr_2", .float32, [3, 41], [(0, -2.1310064792633057), (61, 3.728325843811035), (122, 1.4459521770477295)], sum: 187.91604171320796),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "arr_3", .int64, [10], [(0, 1), (5, 1), (9, 0)], sum: 18.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "arr_4", .int64, [12], [(0, 0), (6, 1), (11, 2)], sum: 12.0),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "arr_5", .float32, [41], [(0, 0.5327469706535339), (20, 0.47451546788215637), (40, 0.20089371502399445)], sum: 19.373330000322312),
        ArraySpec("datasets/Kamitani/npz/sbj_1.npz", "arr_6", .float32, [41], [(0, 0.045866724103689194), (20, 0.6504030227661133), (40, 0.6524686813354492)], sum: 20.554478615522385),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "V1", .bool, [37], [(0, 1), (18, 0), (36, 0)], sum: 20.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "V2", .bool, [37], [(0, 0), (18, 0), (36, 1)], sum: 18.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "V3", .bool, [37], [(0, 1), (18, 1), (36, 1)], sum: 18.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "V4", .bool, [37], [(0, 0), (18, 0), (36, 1)], sum: 21.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "FFA", .bool, [37], [(0, 0), (18, 0), (36, 1)], sum: 21.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "PPA", .bool, [37], [(0, 1), (18, 0), (36, 1)], sum: 18.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "LOC", .bool, [37], [(0, 1), (18, 0), (36, 1)], sum: 22.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "LVC", .bool, [37], [(0, 1), (18, 1), (36, 0)], sum: 20.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "HVC", .bool, [37], [(0, 0), (18, 1), (36, 1)], sum: 24.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "VC", .bool, [37], [(0, 1), (18, 1), (36, 0)], sum: 34.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "arr_0", .float32, [10, 37], [(0, 1.392654538154602), (185, 2.367119789123535), (369, -1.838279128074646)], sum: 242.56805641308893),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "arr_1", .float32, [12, 37], [(0, 6.583098888397217), (222, 3.2332277297973633), (443, 2.9963200092315674)], sum: 642.803964370396),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "arr_2", .float32, [3, 37], [(0, 2.8695545196533203), (55, 1.0069847106933594), (110, 2.273298501968384)], sum: 160.70099239051342),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "arr_3", .int64, [10], [(0, 2), (5, 0), (9, 2)], sum: 21.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "arr_4", .int64, [12], [(0, 0), (6, 1), (11, 2)], sum: 12.0),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "arr_5", .float32, [37], [(0, 0.7999926209449768), (18, 0.7313796877861023), (36, 0.6096474528312683)], sum: 19.7627335768193),
        ArraySpec("datasets/Kamitani/npz/sbj_3.npz", "arr_6", .float32, [37], [(0, 0.35761532187461853), (18, 0.22731581330299377), (36, 0.9495894908905029)], sum: 17.53157063573599),
        ArraySpec("datasets/expected_bold5000.npz", "train_fmri", .float32, [9, 80], [(0, -0.3071104884147644), (360, 0.6179980635643005), (719, -0.5093094706535339)], sum: 29.11420389218256),
        ArraySpec("datasets/expected_bold5000.npz", "test_fmri", .float32, [3, 80], [(0, 0.8729848861694336), (120, -1.6809107065200806), (239, -0.27510783076286316)], sum: -13.712163707707077),
        ArraySpec("datasets/expected_bold5000.npz", "train_image", .uint8, [9, 32, 32, 3], [(0, 27), (13824, 211), (27647, 11)], sum: 3538652.0),
        ArraySpec("datasets/expected_bold5000.npz", "test_image", .uint8, [3, 32, 32, 3], [(0, 245), (4608, 199), (9215, 88)], sum: 1164179.0),
        ArraySpec("datasets/expected_god.npz", "train_fmri", .float32, [20, 48], [(0, 1.1221306324005127), (480, 0.3607938885688782), (959, -0.14110368490219116)], sum: 6.995105650275946e-06),
        ArraySpec("datasets/expected_god.npz", "test_fmri", .float32, [6, 48], [(0, -2.1310064792633057), (144, 2.8695545196533203), (287, 2.061156749725342)], sum: 433.87213112507015),
        ArraySpec("datasets/expected_god.npz", "train_image", .uint8, [20, 256, 256, 3], [(0, 184), (1966080, 142), (3932159, 151)], sum: 501146294.0),
        ArraySpec("datasets/expected_god.npz", "test_image", .uint8, [6, 256, 256, 3], [(0, 145), (589824, 145), (1179647, 60)], sum: 150459666.0),
        ArraySpec("datasets/expected_god_sbj3_nonavg.npz", "train_fmri", .float32, [10, 48], [(0, 0.3607938885688782), (240, 0.8441174030303955), (479, -0.14110368490219116)], sum: -5.565176252275705e-06),
        ArraySpec("datasets/expected_god_sbj3_nonavg.npz", "test_fmri", .float32, [15, 48], [(0, 2.8695545196533203), (360, 0.9389643669128418), (719, 6.790119171142578)], sum: 1091.7141488841735),
        ArraySpec("datasets/expected_hcp.npz", "data", .float32, [240, 1, 48], [(0, -0.3874891400337219), (5760, -0.3559638261795044), (11519, -1.186833143234253)], sum: -0.0037828125859959982),
        ArraySpec("reference/mae_io.npz", "fmri", .float32, [3, 1, 128], [(0, -0.8375027775764465), (192, 0.9494102597236633), (383, 1.9397526979446411)], sum: 25.61387125076726),
        ArraySpec("reference/mae_io.npz", "noise", .float32, [3, 8], [(0, 0.3167082667350769), (12, 0.17722076177597046), (23, 0.3966466784477234)], sum: 9.619597792625427),
        ArraySpec("reference/mae_io.npz", "latent", .float32, [3, 3, 32], [(0, -0.05770855396986008), (144, -0.366239994764328), (287, -0.056866273283958435)], sum: -3.0818277309299447),
        ArraySpec("reference/mae_io.npz", "mask", .float32, [3, 8], [(0, 1.0), (12, 1.0), (23, 1.0)], sum: 18.0),
        ArraySpec("reference/mae_io.npz", "ids_restore", .int64, [3, 8], [(0, 2), (12, 3), (23, 3)], sum: 84.0),
        ArraySpec("reference/mae_io.npz", "pred", .float32, [3, 8, 16], [(0, -0.21381020545959473), (192, -0.05845342576503754), (383, 0.3576166033744812)], sum: -15.353085795417428),
        ArraySpec("reference/mae_io.npz", "loss", .float32, [], [(0, 1.0960907936096191)], sum: 1.0960907936096191),
        ArraySpec("reference/mae_io.npz", "encoder_out", .float32, [3, 8, 32], [(0, -0.022120799869298935), (384, 0.001153468620032072), (767, -0.03652137517929077)], sum: -3.214565369846241),
        ArraySpec("reference/mae_io.npz", "global_pool", .int64, [], [(0, 0)], sum: 0.0),
        ArraySpec("reference/mae_io.npz", "num_voxels", .int64, [], [(0, 128)], sum: 128.0),
        ArraySpec("reference/mae_io.npz", "patch_size", .int64, [], [(0, 16)], sum: 16.0),
        ArraySpec("reference/mae_io.npz", "embed_dim", .int64, [], [(0, 32)], sum: 32.0),
        ArraySpec("reference/mae_io.npz", "depth", .int64, [], [(0, 2)], sum: 2.0),
        ArraySpec("reference/mae_io.npz", "num_heads", .int64, [], [(0, 4)], sum: 4.0),
        ArraySpec("reference/mae_io.npz", "decoder_embed_dim", .int64, [], [(0, 16)], sum: 16.0),
        ArraySpec("reference/mae_io.npz", "decoder_depth", .int64, [], [(0, 1)], sum: 1.0),
        ArraySpec("reference/mae_io.npz", "decoder_num_heads", .int64, [], [(0, 2)], sum: 2.0),
        ArraySpec("reference/mae_io.npz", "mlp_ratio", .float64, [], [(0, 4.0)], sum: 4.0),
        ArraySpec("reference/sampler_io.npz", "x_T", .float32, [2, 3, 8, 8], [(0, 0.7142537832260132), (192, 0.17303001880645752), (383, 0.0811876654624939)], sum: 17.37878870446002),
        ArraySpec("reference/sampler_io.npz", "context", .float32, [2, 77, 16], [(0, 0.07096850126981735), (1232, 0.0009615784510970116), (2463, 1.145892858505249)], sum: 3.2244570458424278),
        ArraySpec("reference/sampler_io.npz", "steps", .int64, [], [(0, 5)], sum: 5.0),
        ArraySpec("reference/sampler_io.npz", "plms", .float32, [2, 3, 8, 8], [(0, 10.14974594116211), (192, 2.594972610473633), (383, 0.6077451109886169)], sum: 494.25790229439735),
        ArraySpec("reference/sampler_io.npz", "ddim", .float32, [2, 3, 8, 8], [(0, 10.58470344543457), (192, 3.078305959701538), (383, 0.9320025444030762)], sum: 514.9408224970102),
        ArraySpec("reference/sampler_io.npz", "linear_start", .float64, [], [(0, 0.0015)], sum: 0.0015),
        ArraySpec("reference/sampler_io.npz", "linear_end", .float64, [], [(0, 0.0195)], sum: 0.0195),
        ArraySpec("reference/sampler_io.npz", "timesteps", .int64, [], [(0, 1000)], sum: 1000.0),
        ArraySpec("reference/unet_io.npz", "x", .float32, [2, 3, 8, 8], [(0, -0.13622654974460602), (192, 1.096667766571045), (383, 0.8782911896705627)], sum: 12.455742296762764),
        ArraySpec("reference/unet_io.npz", "t", .int64, [2], [(0, 10), (1, 731)], sum: 741.0),
        ArraySpec("reference/unet_io.npz", "context", .float32, [2, 77, 16], [(0, 0.07096850126981735), (1232, 0.0009615784510970116), (2463, 1.145892858505249)], sum: 3.2244570458424278),
        ArraySpec("reference/unet_io.npz", "out", .float32, [2, 3, 8, 8], [(0, 0.09598104655742645), (192, 0.05030607059597969), (383, -0.15452659130096436)], sum: -19.11977880820632),
        ArraySpec("reference/unet_io.npz", "image_size", .int64, [], [(0, 8)], sum: 8.0),
        ArraySpec("reference/unet_io.npz", "in_channels", .int64, [], [(0, 3)], sum: 3.0),
        ArraySpec("reference/unet_io.npz", "out_channels", .int64, [], [(0, 3)], sum: 3.0),
        ArraySpec("reference/unet_io.npz", "model_channels", .int64, [], [(0, 32)], sum: 32.0),
        ArraySpec("reference/unet_io.npz", "attention_resolutions", .int64, [2], [(0, 1), (1, 2)], sum: 3.0),
        ArraySpec("reference/unet_io.npz", "num_res_blocks", .int64, [], [(0, 1)], sum: 1.0),
        ArraySpec("reference/unet_io.npz", "channel_mult", .int64, [2], [(0, 1), (1, 2)], sum: 3.0),
        ArraySpec("reference/unet_io.npz", "num_heads", .int64, [], [(0, 2)], sum: 2.0),
        ArraySpec("reference/unet_io.npz", "use_spatial_transformer", .bool, [], [(0, 1)], sum: 1.0),
        ArraySpec("reference/unet_io.npz", "transformer_depth", .int64, [], [(0, 1)], sum: 1.0),
        ArraySpec("reference/unet_io.npz", "context_dim", .int64, [], [(0, 16)], sum: 16.0),
        ArraySpec("reference/unet_io.npz", "use_time_cond", .bool, [], [(0, 1)], sum: 1.0),
        ArraySpec("reference/unet_io.npz", "global_pool", .bool, [], [(0, 0)], sum: 0.0),
        ArraySpec("reference/vq_io.npz", "image", .float32, [2, 3, 16, 16], [(0, -0.9536119699478149), (768, -0.2027907371520996), (1535, -0.8866965770721436)], sum: -2.8296267986297607),
        ArraySpec("reference/vq_io.npz", "h", .float32, [2, 3, 8, 8], [(0, -0.10255686938762665), (192, -0.4155152440071106), (383, -0.144012913107872)], sum: -90.970876557054),
        ArraySpec("reference/vq_io.npz", "quant", .float32, [2, 3, 8, 8], [(0, 0.18033094704151154), (192, -0.2155492752790451), (383, -0.4739408493041992)], sum: -72.5732159493491),
        ArraySpec("reference/vq_io.npz", "indices", .int64, [128], [(0, 15), (64, 13), (127, 53)], sum: 3285.0),
        ArraySpec("reference/vq_io.npz", "decoded", .float32, [2, 3, 16, 16], [(0, -0.7809248566627502), (768, -0.7693540453910828), (1535, -0.04635709524154663)], sum: -414.70170143496216),
        ArraySpec("reference/vq_io.npz", "n_embed", .int64, [], [(0, 64)], sum: 64.0),
        ArraySpec("reference/vq_io.npz", "embed_dim", .int64, [], [(0, 3)], sum: 3.0),
        ArraySpec("reference/vq_io.npz", "double_z", .bool, [], [(0, 0)], sum: 0.0),
        ArraySpec("reference/vq_io.npz", "z_channels", .int64, [], [(0, 3)], sum: 3.0),
        ArraySpec("reference/vq_io.npz", "resolution", .int64, [], [(0, 16)], sum: 16.0),
        ArraySpec("reference/vq_io.npz", "in_channels", .int64, [], [(0, 3)], sum: 3.0),
        ArraySpec("reference/vq_io.npz", "out_ch", .int64, [], [(0, 3)], sum: 3.0),
        ArraySpec("reference/vq_io.npz", "ch", .int64, [], [(0, 32)], sum: 32.0),
        ArraySpec("reference/vq_io.npz", "ch_mult", .int64, [2], [(0, 1), (1, 2)], sum: 3.0),
        ArraySpec("reference/vq_io.npz", "num_res_blocks", .int64, [], [(0, 1)], sum: 1.0),
        ArraySpec("reference/vq_io.npz", "attn_resolutions", .float64, [0], [], sum: 0.0),
        ArraySpec("reference/vq_io.npz", "dropout", .float64, [], [(0, 0.0)], sum: 0.0),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_LHEarlyVis.npy", "", .float32, [16, 9], [(0, -0.9797424674034119), (72, -0.9953609704971313), (143, 1.060092568397522)], sum: -47.11618196032941),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_LHLOC.npy", "", .float32, [16, 6], [(0, -1.0221037864685059), (48, -0.49636927247047424), (95, -0.893868625164032)], sum: -35.29800107097253),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_LHOPA.npy", "", .float32, [16, 5], [(0, 1.4802727699279785), (40, -0.8331298828125), (79, -1.0419248342514038)], sum: -12.270206172019243),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_LHPPA.npy", "", .float32, [16, 7], [(0, -0.7826968431472778), (56, -0.5168359279632568), (111, -0.5059908032417297)], sum: -53.25228780065663),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_LHRSC.npy", "", .float32, [16, 4], [(0, -2.8637959957122803), (32, -0.24095629155635834), (63, 0.04713653028011322)], sum: -39.43359298631549),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_RHEarlyVis.npy", "", .float32, [16, 10], [(0, -0.5415188670158386), (80, 0.6425942182540894), (159, 0.820141077041626)], sum: -56.1447185157449),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_RHLOC.npy", "", .float32, [16, 7], [(0, -2.9798812866210938), (56, -2.957984447479248), (111, -2.635829448699951)], sum: -78.57924882974476),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_RHOPA.npy", "", .float32, [16, 6], [(0, 2.5857667922973633), (48, 1.6433628797531128), (95, 0.4142184257507324)], sum: -15.936036698520184),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_RHPPA.npy", "", .float32, [16, 8], [(0, 0.5338690280914307), (64, -1.426047444343567), (127, 2.3115100860595703)], sum: -55.76763510098681),
        ArraySpec("datasets/BOLD5000/BOLD5000_GLMsingle_ROI_betas/py/CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_RHRSC.npy", "", .float32, [16, 5], [(0, -3.214082956314087), (40, -3.0184078216552734), (79, 1.6391490697860718)], sum: -39.64597275853157),
    ]

    private func check(_ array: NDArray, against spec: ArraySpec, file: StaticString = #filePath, line: UInt = #line) {
        let label = "\(spec.path) \(spec.key)"
        XCTAssertEqual(array.dtype, spec.dtype, label, file: file, line: line)
        XCTAssertEqual(array.shape, spec.shape, label, file: file, line: line)
        let values = array.doubles()
        for (index, expected) in spec.samples {
            XCTAssertEqual(values[index], expected, "\(label)[\(index)]", file: file, line: line)
        }
        let sum = values.reduce(0, +)
        XCTAssertEqual(sum, spec.sum, accuracy: max(abs(spec.sum), 1) * 1e-9, "\(label) sum", file: file, line: line)
    }

    func testEveryFixtureNPZMatchesNumpy() throws {
        let npzPaths = specs.map(\.path).filter { $0.hasSuffix(".npz") }
        var seen = Set<String>()
        for path in npzPaths where seen.insert(path).inserted {
            let archive = try NPZ.read(contentsOf: TestFiles.fixture(path))
            let expected = specs.filter { $0.path == path }
            // Archive order, without the string array that the numeric table leaves out.
            XCTAssertEqual(archive.names.filter { $0 != "listdir_order" }, expected.map(\.key), path)
            for spec in expected {
                check(try archive.array(spec.key), against: spec)
            }
        }
        XCTAssertEqual(seen.count, 13)
    }

    func testEveryFixtureNPYMatchesNumpy() throws {
        let npySpecs = specs.filter { $0.path.hasSuffix(".npy") }
        XCTAssertEqual(npySpecs.count, 10)
        for spec in npySpecs {
            check(try NPY.readArray(contentsOf: TestFiles.fixture(spec.path)), against: spec)
        }
    }

    func testFortranOrderedFixtureIsConvertedToCOrder() throws {
        // expected_god.npz stores train_fmri in Fortran order; numpy's C-order view starts 1.12213, 0.63703.
        let archive = try NPZ.read(contentsOf: TestFiles.fixture("datasets/expected_god.npz"))
        let fmri = try archive.array("train_fmri").floats()
        XCTAssertEqual(Array(fmri.prefix(3)), [1.1221306324005127, 0.6370342373847961, -0.02818184159696102])
    }

    func testUnicodeArrayReadsAsStrings() throws {
        let archive = try NPZ.read(contentsOf: TestFiles.fixture("datasets/expected_hcp.npz"))
        XCTAssertEqual(try archive.strings("listdir_order"), ["100206", "100307"])
        guard case .objectArray(let shape, _)? = archive["listdir_order"] else {
            return XCTFail("listdir_order should be an object array of strings")
        }
        XCTAssertEqual(shape, [2])
        assertThrowsMessage(try archive.array("listdir_order"), contains: "expected_hcp.npz", "'listdir_order'", "not a numeric array")
        assertThrowsMessage(try archive.array("nope"), contains: "no entry 'nope'", "data, listdir_order")
    }

    func testBoolROIMasks() throws {
        let archive = try NPZ.read(contentsOf: TestFiles.fixture("datasets/Kamitani/npz/sbj_3.npz"))
        let mask = try archive.array("V1")
        XCTAssertEqual(mask.dtype, .bool)
        XCTAssertEqual(Array(mask.bools().prefix(3)), [true, false, false])
        XCTAssertEqual(mask.bools().filter { $0 }.count, 20)
    }

    func testImageDictionaryObjectArray() throws {
        let url = TestFiles.fixture("datasets/BOLD5000/BOLD5000_Stimuli/Scene_Stimuli/Presented_Stimuli/img_dict.npy")
        let value = try NPY.read(contentsOf: url)
        guard case .objectArray(let shape, _) = value, let dict = value.item?.asDict else {
            return XCTFail("img_dict.npy should hold a 0-d object array with a dict, got \(value.kindDescription)")
        }
        XCTAssertEqual(shape, [])
        let names = dict.compactMap { $0.key.asString }
        XCTAssertEqual(names, [
            "COCO_train2014_000000000000.jpg", "COCO_train2014_000000000001.jpg", "COCO_train2014_000000000002.jpg",
            "COCO_train2014_000000000003.jpg", "COCO_train2014_000000000004.jpg", "COCO_train2014_000000000005.jpg",
            "COCO_train2014_000000000006.jpg", "n0153282900_0.JPEG", "n0153282900_1.JPEG", "n0153282900_2.JPEG",
            "scene_0.jpg", "scene_1.jpg",
        ])
        // First five values and the sum of three images, as numpy prints them.
        let expected: [(String, [UInt8], Int)] = [
            ("COCO_train2014_000000000000.jpg", [245, 57, 28, 79, 135], 386_555),
            ("n0153282900_2.JPEG", [35, 198, 48, 162, 120], 400_943),
            ("scene_1.jpg", [255, 160, 154, 31, 11], 397_205),
        ]
        for (name, prefix, sum) in expected {
            guard let image = value.item?[name]?.asArray else { return XCTFail("\(name) missing") }
            XCTAssertEqual(image.dtype, .uint8)
            XCTAssertEqual(image.shape, [32, 32, 3])
            XCTAssertEqual(Array(image.bytes.prefix(5)), prefix)
            XCTAssertEqual(image.bytes.reduce(0) { $0 + Int($1) }, sum)
        }
    }
}
