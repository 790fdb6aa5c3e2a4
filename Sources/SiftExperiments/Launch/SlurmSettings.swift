/// The `launcher:` block of an experiment file: how `sift run --launcher slurm` asks Slurm for
/// each array task. Run settings, not results: never part of a cell id, and the same for every
/// cell of an expansion (a grid over them is refused).
public struct SlurmSettings: Equatable, Sendable {
    public static let keys = ["partition", "time", "cpus_per_task", "mem_gb", "gpus", "gres", "array_parallelism", "signal_seconds",
                              "extra", "setup"]

    /// `--partition` (the cluster's default when nil).
    public var partition: String?
    /// `--time` in minutes.
    public var timeMinutes = 60
    /// `--cpus-per-task`; also each task's `--threads`.
    public var cpusPerTask = 2
    /// `--mem` in GB (the cluster's default when nil).
    public var memGB: Int?
    /// `--gpus` (none when nil).
    public var gpus: Int?
    /// `--gres` (none when nil).
    public var gres: String?
    /// At most this many tasks of an array at once (`%P`; no limit when nil).
    public var arrayParallelism: Int?
    /// Seconds before the time limit at which a task is told to stop its cell and requeue itself.
    public var signalSeconds = 120
    /// Further `sbatch` arguments, each one word (`--account=x`, `--qos=y`).
    public var extra: [String] = []
    /// Shell lines run before Sift in each task (`module load …`, `source env/bin/activate`).
    public var setup: [String] = []

    public init() {}

    /// Reads a `launcher:` section, every value checked at its position.
    init(_ section: ConfigReader) throws {
        try section.onlyKeys(Self.keys)
        partition = try section.string("partition")
        timeMinutes = try section.int("time", default: timeMinutes, minimum: 1)
        cpusPerTask = try section.int("cpus_per_task", default: cpusPerTask, minimum: 1)
        memGB = section.raw("mem_gb") == nil ? nil : try section.int("mem_gb", default: 0, minimum: 1)
        gpus = section.raw("gpus") == nil ? nil : try section.int("gpus", default: 0, minimum: 0)
        gres = try section.string("gres")
        arrayParallelism = section.raw("array_parallelism") == nil ? nil : try section.int("array_parallelism", default: 0, minimum: 1)
        signalSeconds = try section.int("signal_seconds", default: signalSeconds, minimum: 10)
        guard signalSeconds < timeMinutes * 60 else {
            throw ConfigError(section.raw("signal_seconds")?.origin ?? section.raw("time")!.origin,
                              "'launcher.signal_seconds' (\(signalSeconds)) must be shorter than 'launcher.time' (\(timeMinutes) minutes)")
        }
        extra = try section.strings("extra")?.map { value, origin in
            guard value.hasPrefix("-"), !value.contains(where: { $0 == " " || $0 == "\n" || $0 == "'" }) else {
                throw ConfigError(origin, "'launcher.extra' holds sbatch options, one word each (like --account=x), got '\(value)'")
            }
            return value
        } ?? []
        setup = try section.strings("setup")?.map(\.0) ?? []
        if let partition, partition.contains(where: { !($0.isLetter || $0.isNumber || "_-.,".contains($0)) }) {
            throw ConfigError(section.raw("partition")!.origin, "'launcher.partition' must be a partition name, got '\(partition)'")
        }
        if let gres, gres.contains(where: { $0 == " " || $0 == "'" || $0 == "\n" }) {
            throw ConfigError(section.raw("gres")!.origin, "'launcher.gres' must be one word (like gpu:1), got '\(gres)'")
        }
    }

    /// The `#SBATCH` lines these settings ask for (the array, output and job name come from the launcher).
    var directives: [String] {
        var lines = ["--time=\(timeMinutes)", "--cpus-per-task=\(cpusPerTask)", "--signal=B:USR1@\(signalSeconds)", "--requeue"]
        if let partition { lines.append("--partition=\(partition)") }
        if let memGB { lines.append("--mem=\(memGB)G") }
        if let gpus, gpus > 0 { lines.append("--gpus=\(gpus)") }
        if let gres { lines.append("--gres=\(gres)") }
        return lines + extra
    }
}
