import MindTensor

enum ConvolutionBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        for (name, twoD) in [("Conv1d", false), ("Conv2d", true)] {
            let input = twoD ? "[N, C, H, W]" : "[N, C, L]"
            try state.bind("mv.nn", name, doc: """
                mv.nn.\(name)(in_channels, out_channels, kernel_size [, options]) -> Module
                \(twoD ? "2-D" : "1-D") convolution of \(input) input, as torch.nn.\(name) (im2col + one GEMM; 1×1 kernels are plain GEMMs)\(twoD ? ", with a square kernel and one stride and padding for both sides (mv.nn.functional.conv2d takes {h, w})" : "").
                stride = 1  -- step between output positions
                padding = 0  -- zeros added on every side
                bias = true  -- learn a per-channel bias
                """) { args in
                let (i, o) = (try LayerArguments.size(args, 1, "in_channels"), try LayerArguments.size(args, 2, "out_channels"))
                let k = try LayerArguments.size(args, 3, "kernel_size")
                let options = try args.options(4)
                let stride = try options.integer("stride", default: 1, min: 1, max: LayerArguments.maxStrideOrPadding)
                let padding = try options.integer("padding", default: 0, min: 0, max: LayerArguments.maxStrideOrPadding)
                let bias = try options.bool("bias", default: true)
                let module: Module = twoD ? try Conv2d(i, o, kernelSize: k, stride: stride, padding: padding, bias: bias)
                    : try Conv1d(i, o, kernelSize: k, stride: stride, padding: padding, bias: bias)
                return try args.returning(module: module)
            }
        }
    }
}
