import Foundation
import MindTensor
import MindVis

/// `mv.diffusion`: the noise schedule (`Schedule{...}`, `sched:q_sample`, `sched:loss`), the ε-prediction loss and
/// sampling with PLMS or DDIM and classifier-free guidance (`sample{...}`). Timesteps are the reference's values
/// 0..T-1, not indices.
enum DiffusionBindings: LuaBindingSet {
    static let scheduleType: LuaUserdataType<ScheduleBox> = {
        let type = LuaUserdataType<ScheduleBox>(name: "Schedule", doc: "a diffusion noise schedule (LDM's \"linear\" in √β)")
        type.bound("q_sample", doc: """
            sched:q_sample(x0, t [, noise]) -> x_t
            Noised latents √ᾱ_t·x0 + √(1−ᾱ_t)·ε for timesteps t ([B] tensor or a number); ε drawn from the global generator when not given.
            """) { box, args in
            let x0 = try args.tensor(1, "x0")
            let t = try UNetBindings.timesteps(args, 2, batch: x0.shape.first ?? 0)
            let noise = try args.optionalTensor(3, "noise") ?? Tensor.randn(x0.shape)
            return try args.returning(tensor: box.schedule.qSample(x0, t: t, noise: noise))
        }
        type.bound("loss", doc: """
            sched:loss(unet, x0 [, context [, seed]]) -> loss
            One training loss: t ~ U{0..T-1} and ε ~ N(0, I) per sample, the UNet's ε̂ on q_sample(x0, t, ε), mean squared error (the reference's p_losses).
            """) { box, args in
            let unet = try args.userdata(1, "unet", as: UNetModel.self)
            let generator = try args.optionalInteger(4, "seed", min: 0).map { Generator(seed: UInt64($0)) } ?? .default
            return try args.returning(tensor: box.schedule.trainingLoss(model: unet, latents: args.tensor(2, "x0"),
                                                                         context: args.optionalTensor(3, "context"), generator: generator))
        }
        type.property("alphas_cumprod", doc: """
            sched.alphas_cumprod -> Tensor
            ᾱ_t for t = 0..T-1 (float32, as the reference's buffer).
            """, get: { box, args in try args.returning(tensor: Tensor(box.schedule.alphasCumprodFloat, shape: [box.schedule.timesteps])) })
        type.property("timesteps", doc: """
            sched.timesteps -> integer
            T, the number of diffusion steps.
            """, get: { box, args in try args.returning(box.schedule.timesteps) })
        type.toString { "Schedule(timesteps=\($0.schedule.timesteps), linear_start=\($0.schedule.linearStart), linear_end=\($0.schedule.linearEnd))" }
        return type
    }()

    /// A schedule as a Lua object (the engine's is a value type).
    final class ScheduleBox {
        let schedule: DiffusionSchedule
        init(_ schedule: DiffusionSchedule) { self.schedule = schedule }
    }

    static func install(_ state: LuaState) throws {
        try state.register(scheduleType)
        try state.bind("mv.diffusion", "Schedule", doc: """
            mv.diffusion.Schedule([options]) -> Schedule
            LDM's "linear" schedule: β_t = linspace(√linear_start, √linear_end, T)², computed in double as the reference (REFERENCE §4.7).
            timesteps = 1000  -- T
            linear_start = 0.0015  -- β at t = 0
            linear_end = 0.0195  -- β at t = T-1
            """) { args in
            let options = try args.options(1)
            return try args.returning(object: ScheduleBox(try DiffusionSchedule(
                timesteps: try options.integer("timesteps", default: 1000, min: 2, max: 1_000_000),
                linearStart: try options.number("linear_start", default: 0.0015), linearEnd: try options.number("linear_end", default: 0.0195))))
        }
        try state.bind("mv.diffusion", "epsilon_loss", doc: """
            mv.diffusion.epsilon_loss(prediction, noise) -> loss
            Squared error between predicted and true noise, averaged per sample, then over the batch (the reference's l2 "eps" loss).
            """) { args in try args.returning(tensor: epsilonLoss(args.tensor(1, "prediction"), args.tensor(2, "noise"))) }
        try state.bind("mv.diffusion", "sample", doc: """
            mv.diffusion.sample{model =, schedule = [, context, x_T | shape + seed, options]} -> latents
            Samples latents with PLMS (the reference: first step improved Euler, steps + 1 UNet calls) or DDIM, without gradients; all samples go through the UNet together.
            model = required  -- the UNet
            schedule = required  -- an mv.diffusion.Schedule
            context = nil  -- [B, T, context_dim] per sample, or [1, T, context_dim] shared
            x_T = nil  -- the starting noise [B, C, H, W]
            shape = nil  -- {B, C, H, W}: draw x_T from seed instead
            seed = 0  -- seed of x_T and of DDIM's noise at eta > 0
            steps = 50  -- sampler steps (the reference: 250); as the reference, the grid takes every (timesteps // steps)-th timestep, so steps that do not divide timesteps run more (1000 // 400 = 2: 500 steps)
            sampler = "plms"  -- "plms" or "ddim"
            eta = 0  -- DDIM's noise level in [0, 1]: 0 deterministic, 1 DDPM's (PLMS needs 0)
            guidance = 1  -- classifier-free guidance scale; 1 samples without the unconditional branch
            uncond = nil  -- the unconditional context, needed when guidance ~= 1
            x_0 = nil  -- latents [B, C, H, W] (or [1, ...]) to start from, noised with x_T: SDEdit
            strength = 1  -- with x_0: the share of the steps walked from the noised x_0
            progress = false  -- true: a progress line; or function(done, total) called after every step (an error stops sampling)
            """) { args in
            let options = try args.options(1)
            guard let unet = try options.userdata("model", as: UNetModel.self) else { throw args.error("give model = a UNet") }
            guard let schedule = try options.userdata("schedule", as: ScheduleBox.self)?.schedule else {
                throw args.error("give schedule = mv.diffusion.Schedule{...}")
            }
            let sampling = try LDMBindings.samplerOptions(options, args: args, timesteps: schedule.timesteps)
            let shape = try options.value("shape")
            let progress = try samplingProgress(options, args: args)
            let latents = try DiffusionSampling.sample(
                model: unet, schedule: schedule, context: try options.userdata("context", as: Tensor.self),
                unconditionalContext: try options.userdata("uncond", as: Tensor.self), xT: try options.userdata("x_T", as: Tensor.self),
                shape: shape == .nil ? nil : try options.integerArray("shape", min: 1, max: 1 << 20), x0: try options.userdata("x_0", as: Tensor.self),
                seed: UInt64(try options.integer("seed", default: 0, min: 0)), options: sampling, progress: progress)
            return try args.returning(tensor: latents)
        }
    }

    /// The per-step callback: Ctrl-C, a progress line, and/or the user's function(done, total).
    static func samplingProgress(_ options: LuaOptions, args: LuaArgs) throws -> (Int, Int) throws -> Void {
        var bar: MindVis.Progress?
        var callback: LuaFunctionRef?
        var showBar = false
        if let function = try? options.function("progress") {
            callback = function
        } else {
            do { showBar = try options.bool("progress", default: false) } catch {
                throw args.error("option 'progress': expected true, false or a function(done, total)")
            }
        }
        let began = Date()
        return { done, all in
            try args.checkInterrupt()
            // The total comes with the first report (steps times conditions for ldm:generate), after the first step:
            // the rate counts from the start of sampling.
            if showBar, bar == nil { bar = MindVis.Progress("sampling", total: all, unit: "step", start: began) }
            bar?.advance()
            if let callback { _ = try args.call(callback, [.integer(done), .integer(all)]) }
        }
    }
}
