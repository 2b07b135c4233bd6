import Foundation
import MindIO
import MindTensor
import XCTest
@testable import MindVis

/// Latent diffusion checkpoints in the reference's layout, assembled from the fixtures: the UNet as
/// `model.diffusion_model.*`, the VQ as `first_stage_model.*`, the stage-A encoder as `cond_stage_model.mae.*` (with
/// the reference's unused `mask_token`), new mapper weights and the schedule buffers — a `finetuned.pth` state dict.
final class LDMCheckpointTests: XCTestCase {
    /// The tiny preset is the fixtures' architecture; the first stage's codebook size comes from the weights.
    static let values: [String: ConfigValue] = ["preset": .string("tiny")]

    static func prefixed(_ file: String, _ prefix: String, keep: (String) -> Bool = { _ in true }) throws -> [(name: String, tensor: Tensor)] {
        try StateDict.load(contentsOf: Fixtures.url("reference/" + file)).namedTensors().filter { keep($0.name) }.map { (prefix + $0.name, $0.tensor) }
    }

    /// A reference `finetuned.pth`-style state dict (as safetensors without our metadata, so it loads as a reference file).
    static func referenceState() throws -> [(name: String, tensor: Tensor)] {
        let g = Generator(seed: 5)
        var state = try DiffusionSchedule().referenceBuffers
        state += try prefixed("unet.safetensors", "model.diffusion_model.")
        state += try prefixed("vq.safetensors", "first_stage_model.")
        state += try prefixed("mae.safetensors", "cond_stage_model.mae.") { !$0.hasPrefix("decoder_") }
        state += [("cond_stage_model.channel_mapper.0.weight", try Tensor.randn([4, 8, 1], std: 0.3, generator: g)),
                  ("cond_stage_model.channel_mapper.0.bias", try Tensor.randn([4], std: 0.3, generator: g)),
                  ("cond_stage_model.channel_mapper.1.weight", try Tensor.randn([77, 4, 1], std: 0.3, generator: g)),
                  ("cond_stage_model.channel_mapper.1.bias", try Tensor.randn([77], std: 0.3, generator: g)),
                  ("cond_stage_model.dim_mapper.weight", try Tensor.randn([16, 32], std: 0.3, generator: g)),
                  ("cond_stage_model.dim_mapper.bias", try Tensor.randn([16], std: 0.3, generator: g))]
        return state
    }

    /// A class-conditional base in the reference's label2img `model.ckpt` layout: no time conditioning, a class embedder.
    static func classConditionalState(classes: Int) throws -> [(name: String, tensor: Tensor)] {
        var state = try DiffusionSchedule().referenceBuffers
        state += try prefixed("unet.safetensors", "model.diffusion_model.") { !$0.hasPrefix("time_embed_condtion") }
        state += try prefixed("vq.safetensors", "first_stage_model.")
        state.append(("cond_stage_model.embedding.weight", try Tensor.zeros([classes, 16])))
        return state
    }

    static func write(_ state: [(name: String, tensor: Tensor)], _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ldm-\(UUID().uuidString)-\(name)")
        try Safetensors.write(state.map { ($0.name, try NDArray($0.tensor)) }, to: url)
        return url
    }

    func testReferenceLayoutLoadsByNameAndGenerates() throws {
        let url = try Self.write(Self.referenceState(), "finetuned.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let loaded = try LDMCheckpoint.load(url, values: Self.values)
        let model = loaded.model
        XCTAssertEqual(loaded.notes, [])
        // Every key of the reference layout is one of ours, in the reference's grouping: the schedule buffers, then the
        // UNet, the first stage and the conditioner.
        let ours = model.stateDict().map(\.name)
        let reference = try Self.referenceState().map(\.name).filter { $0 != "cond_stage_model.mae.mask_token" }
        XCTAssertTrue(Set(ours) == Set(reference) && ours.count == reference.count, "\(Set(ours).symmetricDifference(reference))")
        let groups = ours.map { name in ["model.", "first_stage_model.", "cond_stage_model."].firstIndex { name.hasPrefix($0) }.map { $0 + 1 } ?? 0 }
        XCTAssertEqual(groups, groups.sorted())

        // The parts compute what the reference computes with these weights.
        let unetIO = try Fixtures.npz("reference/unet_io.npz"), maeIO = try Fixtures.npz("reference/mae_io.npz")
        try withNoGrad {
            let out = try model.unet(Fixtures.tensor(unetIO, "x"), t: Fixtures.tensor(unetIO, "t"), context: Fixtures.tensor(unetIO, "context"))
            XCTAssertLessThan(try relativeError(out, Fixtures.tensor(unetIO, "out")), 1e-4)
            let conditioner = try XCTUnwrap(model.conditioner as? FMRIConditioner)
            let tokens = try conditioner.mae(Fixtures.tensor(maeIO, "fmri"))
            XCTAssertLessThan(try relativeError(tokens, Fixtures.tensor(maeIO, "encoder_out")), 1e-4)
        }
        let fmri = try Fixtures.tensor(maeIO, "fmri")
        let generated = try model.generate(conditions: fmri, numSamples: 2, options: SamplerOptions(method: .plms, steps: 3), seed: 11)
        XCTAssertEqual(generated.images.shape, [3, 2, 3, 16, 16])
        let values = try generated.images.toArray()
        XCTAssertTrue(values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(generated.seeds.count, 3)
    }

    func testUnknownAndMissingKeysAreNamed() throws {
        var state = try Self.referenceState()
        state.append(("model.diffusion_model.extra_block.weight", try Tensor.zeros([2])))
        state.removeAll { $0.name == "first_stage_model.decoder.conv_out.bias" }
        let url = try Self.write(state, "broken.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try LDMCheckpoint.load(url, values: Self.values)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("missing keys: first_stage_model.decoder.conv_out.bias"), message)
            XCTAssertTrue(message.contains("unexpected keys: model.diffusion_model.extra_block.weight"), message)
        }
        XCTAssertThrowsError(try LDMCheckpoint.load(url, values: ["preset": .string("tiny"), "linear_strat": .double(0.001)])) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'linear_start'"), "\(error)")
        }
    }

    func testAUNetStateDictIsNotTakenForAnLDM() throws {
        let url = try Self.write(try Self.prefixed("unet.safetensors", ""), "unet_only.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try LDMCheckpoint.load(url, values: Self.values)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("not a latent diffusion checkpoint: no key starts with 'model.diffusion_model.'"), message)
            XCTAssertFalse(message.contains("VQ"), message)
        }
    }

    func testAnotherScheduleIsRefused() throws {
        let url = try Self.write(Self.referenceState(), "finetuned.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try LDMCheckpoint.load(url, values: ["preset": .string("tiny"), "linear_end": .double(0.012)])) { error in
            XCTAssertTrue("\(error)".contains("diffusion schedule"), "\(error)")
        }
    }

    /// A state dict of another schedule fits by name and shape; load_state_dict must refuse it rather than take its
    /// tables under this model's config (whose `save` would then write a file that no longer loads).
    func testLoadStateDictRefusesAnotherScheduleAndChangesNothing() throws {
        let other = try LatentDiffusion(LatentDiffusionConfig(["preset": .string("tiny"), "linear_end": .double(0.05),
                                                                "cond_stage_config": .table([("target", .string("class")), ("n_classes", .int(4))])]))
        let model = try LatentDiffusion(LatentDiffusionConfig(["preset": .string("tiny"),
                                                                "cond_stage_config": .table([("target", .string("class")), ("n_classes", .int(4))])]))
        let before = try model.stateDict().map { try $0.tensor.toArray() }
        XCTAssertThrowsError(try model.loadStateDict(other.stateDict())) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("the diffusion schedule's betas table (1000 steps, betas 0.0015 ... 0.05) does not match this model's schedule"), message)
        }
        let after = try model.stateDict().map { try $0.tensor.toArray() }
        XCTAssertTrue(after == before, "a refused load wrote something")
        // The same schedule loads.
        XCTAssertNoThrow(try model.loadStateDict(LatentDiffusion(model.config).stateDict()))
    }

    /// A misspelt top-level key is named before the loader infers parts from a reference file's weights (it used to
    /// report the fMRI encoder it then looked for), and a class-conditional file read as an fMRI one says what to give.
    func testReferenceLoaderNamesMisspeltKeysFirst() throws {
        let url = try Self.write(Self.classConditionalState(classes: 4), "label2img.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let typo: [String: ConfigValue] = ["preset": .string("tiny"), "cond_stage_confg": .table([("target", .string("class")), ("n_classes", .int(4))])]
        XCTAssertThrowsError(try LDMCheckpoint.load(url, values: typo)) { error in
            XCTAssertTrue("\(error)".contains("unknown key 'cond_stage_confg' (did you mean 'cond_stage_config'?)"), "\(error)")
        }
        XCTAssertThrowsError(try LDMCheckpoint.load(url, values: Self.values)) { error in
            XCTAssertTrue("\(error)".contains("no fMRI encoder (cond_stage_model.mae.*) in the checkpoint"), "\(error)")
        }
        let fixed: [String: ConfigValue] = ["preset": .string("tiny"), "cond_stage_config": .table([("target", .string("class")), ("n_classes", .int(4))])]
        XCTAssertNoThrow(try LDMCheckpoint.load(url, values: fixed))
    }

    /// Our files say what wrote them: a first stage's file is not read as an LDM's config (it failed on 'ddconfig'),
    /// and the first stage of a whole LDM of ours loads as a VQ with the LDM's stored first-stage config.
    func testFileKindsAreToldApartAndAnLDMFileGivesItsFirstStage() throws {
        let url = try Self.write(Self.referenceState(), "finetuned.safetensors")
        let ldmFile = FileManager.default.temporaryDirectory.appendingPathComponent("ldm-\(UUID().uuidString).safetensors")
        let vqFile = FileManager.default.temporaryDirectory.appendingPathComponent("vq-\(UUID().uuidString).safetensors")
        defer { for u in [url, ldmFile, vqFile] { try? FileManager.default.removeItem(at: u) } }
        let model = try LDMCheckpoint.load(url, values: Self.values).model
        try LDMCheckpoint.write(ldmFile, model: model)
        try VQCheckpoint.write(vqFile, model: model.firstStage)
        XCTAssertThrowsError(try LDMCheckpoint.load(vqFile)) { error in
            XCTAssertTrue("\(error)".contains("is a VQ autoencoder checkpoint, not a latent diffusion one"), "\(error)")
        }
        let firstStage = try VQCheckpoint.loadModel(ldmFile)
        XCTAssertEqual(firstStage.config, model.firstStage.config)
        for (a, b) in zip(model.firstStage.stateDict(), firstStage.stateDict()) {
            let (x, y) = (try a.tensor.toArray(), try b.tensor.toArray())
            XCTAssertTrue(a.name == b.name && x == y, a.name)
        }
    }

    func testOwnCheckpointRoundTrip() throws {
        let url = try Self.write(Self.referenceState(), "finetuned.safetensors")
        let saved = FileManager.default.temporaryDirectory.appendingPathComponent("ldm-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url); try? FileManager.default.removeItem(at: saved) }
        let model = try LDMCheckpoint.load(url, values: Self.values).model
        try LDMCheckpoint.write(saved, model: model)
        let again = try LDMCheckpoint.load(saved).model
        XCTAssertEqual(again.config, model.config)
        for (a, b) in zip(model.stateDict(), again.stateDict()) {
            XCTAssertEqual(a.name, b.name)
            XCTAssertTrue(try a.tensor.toArray() == b.tensor.toArray(), a.name)
        }
        XCTAssertThrowsError(try LDMCheckpoint.load(saved, values: Self.values))
    }

    /// Stage B from a class-conditional base (the reference's label2img `model.ckpt` layout) and the reference stage-A
    /// `checkpoint.pth`, for data with fewer voxels than the encoder was trained on: the position table is resampled
    /// (nearest, cls row kept) and both that and the replaced class embedder are reported.
    func testStageBFromBaseAndEncoderResamplesPositions() throws {
        let baseURL = try Self.write(Self.classConditionalState(classes: 1001), "model.ckpt.safetensors")
        defer { try? FileManager.default.removeItem(at: baseURL) }
        let loaded = try LDMCheckpoint.stageB(base: baseURL, encoder: Fixtures.url("reference/mae.pth"),
                                              options: ["num_voxels": .int(96), "base_config": .table([("preset", .string("tiny"))])])
        XCTAssertTrue(loaded.notes.contains { $0.contains("resampled") && $0.contains("8 patches") }, "\(loaded.notes)")
        XCTAssertTrue(loaded.notes.contains { $0.contains("replaced") }, "\(loaded.notes)")
        XCTAssertTrue(loaded.notes.contains { $0.contains("time_embed_condtion") }, "\(loaded.notes)")
        let conditioner = try XCTUnwrap(loaded.model.conditioner as? FMRIConditioner)
        XCTAssertEqual(conditioner.config.encoder.numPatches, 6)
        XCTAssertTrue(loaded.model.config.unet.useTimeCond)
        // Output row i takes input row floor(i * 8 / 6): 0, 1, 2, 4, 5, 6 (plus the cls row 0 in front).
        let trained = try StateDict.load(contentsOf: Fixtures.url("reference/mae.safetensors")).namedTensors().first { $0.name == "pos_embed" }!.tensor
        let expected = try trained.indexSelect(1, index: Tensor([0, 1, 2, 3, 5, 6, 7]))
        XCTAssertTrue(try conditioner.mae.posEmbed.toArray() == expected.toArray())
        // The base's UNet weights arrived (the fixture's input block), the mappers are new.
        let unetWeights = try StateDict.load(contentsOf: Fixtures.url("reference/unet.safetensors")).namedTensors()
        let first = unetWeights.first { $0.name == "input_blocks.0.0.weight" }!.tensor
        XCTAssertTrue(try loaded.model.unet.inputBlocks[0].stateDict().first!.tensor.toArray() == first.toArray())
        XCTAssertThrowsError(try LDMCheckpoint.stageB(base: baseURL, encoder: Fixtures.url("reference/mae.pth"), options: [:])) { error in
            XCTAssertTrue("\(error)".contains("num_voxels"), "\(error)")
        }
    }

    func testPositionTableResamplingIsNearestAlongTheSequence() throws {
        let table = try Tensor((0..<(9 * 2)).map(Float.init), shape: [1, 9, 2])
        let up = try nearestResampledPositionTable(table, patches: 12)
        // Rows: cls, then floor(i * 8 / 12) for i = 0..<12 -> 0 0 1 2 2 3 4 4 5 6 6 7.
        let rows = try up.toArray().enumerated().filter { $0.offset % 2 == 0 }.map { Int($0.element) / 2 }
        XCTAssertEqual(rows, [0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8])
        XCTAssertTrue(try nearestResampledPositionTable(table, patches: 8) === table)
        XCTAssertThrowsError(try nearestResampledPositionTable(try Tensor.zeros([9, 2]), patches: 4))
    }
}
