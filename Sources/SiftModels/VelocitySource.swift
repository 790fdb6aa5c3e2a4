import SiftTensor
import SiftWorker

/// The network a ``Denoiser`` evaluates: one of Sift's SiTs, or a model served by an external
/// worker (docs/WORKER-PROTOCOL.md).
public enum VelocitySource {
    case sit(SiT)
    case worker(WorkerClient)

    /// One sample `[C, H, W]`.
    public var sampleShape: [Int] {
        switch self {
        case .sit(let m): return [m.config.channels, m.config.imageSize, m.config.imageSize]
        case .worker(let w): return w.description.sampleShape ?? []
        }
    }

    /// The label of the unconditional pass (nil: the model has none).
    public var nullLabel: Int? {
        switch self {
        case .sit(let m): return m.nullLabel
        case .worker(let w): return w.description.nullClass
        }
    }

    /// FLOPs of one network evaluation of one sample; nil when a worker does not know.
    public var forwardFLOPs: Int? {
        switch self {
        case .sit(let m): return m.config.forwardFLOPs
        case .worker(let w): return w.description.flopsPerForward.map { Int($0.rounded()) }
        }
    }

    /// Whether guidance is applied by the network itself (a `guidance: native` worker).
    public var guidesNatively: Bool {
        if case .worker(let w) = self { return w.description.guidesNatively }
        return false
    }

    /// Sift's own SiT, when this is one (the autograd forward of first-order search needs it).
    public var sit: SiT? {
        if case .sit(let m) = self { return m }
        return nil
    }

    /// A short name for logs.
    public var name: String {
        switch self {
        case .sit(let m): return m.config.name
        case .worker(let w): return "worker '\(w.command)'"
        }
    }
}
