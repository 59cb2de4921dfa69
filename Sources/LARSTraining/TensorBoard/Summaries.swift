/// One record of an event file: TensorBoard's `Event` message (`tensorboard/compat/proto/event.proto`).
public struct TensorBoardEvent: Sendable, Equatable {
    /// What an event holds (the `what` oneof of `Event`).
    public enum Content: Sendable, Equatable {
        /// `file_version`, the first event of every file: `brain.Event:2`.
        case fileVersion(String)
        /// `summary`: tagged values.
        case summary([SummaryValue])
        /// `session_log` with status `START`: a (re)started run. TensorBoard then drops the
        /// events it read before with a step at or after this event's, orphans of a killed run.
        case sessionStart
    }

    /// When it was written, seconds since 1970-01-01 UTC.
    public var wallTime: Double
    /// Its place on the x axis: optimizer steps completed.
    public var step: Int64
    /// What it holds.
    public var content: Content

    /// An event of `content` at `step` and `wallTime`.
    public init(wallTime: Double, step: Int64, content: Content) {
        self.wallTime = wallTime
        self.step = step
        self.content = content
    }

    /// The serialised `Event`: `wall_time` = 1, `step` = 2, `file_version` = 3, `summary` = 5,
    /// `session_log` = 7.
    public func encoded() -> [UInt8] {
        var w = ProtoWriter()
        w.double(1, wallTime)
        w.int64(2, step)
        switch content {
        case .fileVersion(let version):
            w.string(3, version)
        case .summary(let values):
            w.message(5) { summary in
                for value in values { summary.message(1) { value.encode(into: &$0) } }
            }
        case .sessionStart:
            w.message(7) { $0.int32(1, 1) }  // SessionLog.status = START
        }
        return w.bytes
    }
}

/// One tagged value of a `Summary` (`Summary.Value` of `tensorboard/compat/proto/summary.proto`).
public struct SummaryValue: Sendable, Equatable {
    /// What the value is.
    public enum Kind: Sendable, Equatable {
        /// `simple_value`: one point of a scalar chart.
        case scalar(Float)
        /// `histo`: a distribution (`HistogramProto`).
        case histogram(Histogram)
        /// A plugin's summary: `metadata.plugin_data` with the plugin's name and serialised
        /// content, `data_class` tensor and an empty float tensor (how the HParams plugin stores
        /// its records, `tensorboard/plugins/hparams/metadata.py`).
        case plugin(name: String, content: [UInt8])
    }

    /// The tag: a chart's name; the part before the first `/` groups charts into sections.
    public var tag: String
    /// The value.
    public var kind: Kind

    /// A value tagged `tag`.
    public init(tag: String, kind: Kind) {
        self.tag = tag
        self.kind = kind
    }

    /// A scalar tagged `tag`.
    public static func scalar(_ tag: String, _ value: Float) -> SummaryValue {
        SummaryValue(tag: tag, kind: .scalar(value))
    }

    /// `Summary.Value` fields: `tag` = 1, `simple_value` = 2, `histo` = 5, `tensor` = 8, `metadata` = 9.
    func encode(into w: inout ProtoWriter) {
        w.string(1, tag)
        switch kind {
        case .scalar(let value):
            w.float(2, value)
        case .histogram(let histogram):
            w.message(5) { histogram.encode(into: &$0) }
        case .plugin(let name, let content):
            w.message(8) { tensor in
                tensor.int32(1, 1)  // dtype DT_FLOAT
                tensor.message(2) { shape in shape.message(2) { _ in } }  // shape [0]: one dimension of size 0 (the default)
            }
            w.message(9) { metadata in
                metadata.message(1) { plugin in
                    plugin.string(1, name)
                    plugin.bytes(2, content)
                }
                metadata.int32(4, 2)  // data_class DATA_CLASS_TENSOR
            }
        }
    }
}

/// A histogram of values in equal-width buckets between their minimum and maximum
/// (`HistogramProto`): bucket `i` holds the values from `bucketLimits[i-1]` (`minimum` for the
/// first) up to but excluding `bucketLimits[i]`, the last bucket `maximum` too.
public struct Histogram: Sendable, Equatable {
    /// The smallest value (0 without values).
    public var minimum: Double = 0
    /// The largest value (0 without values).
    public var maximum: Double = 0
    /// How many values.
    public var count: Double = 0
    /// Their sum.
    public var sum: Double = 0
    /// The sum of their squares.
    public var sumOfSquares: Double = 0
    /// Each bucket's right edge, increasing; the last is `maximum`.
    public var bucketLimits: [Double] = []
    /// Each bucket's count.
    public var bucketCounts: [Double] = []

    /// The histogram of the finite ones of `values` in `buckets` equal-width buckets (one bucket
    /// when they are all equal, none without values). Non-finite values are left out, as they
    /// have no place on the axis.
    public init<Values: Sequence>(_ values: Values, buckets: Int = 30) where Values.Element: BinaryFloatingPoint {
        let finite = values.map { Double($0) }.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return }
        minimum = low
        maximum = high
        count = Double(finite.count)
        sum = finite.reduce(0, +)
        sumOfSquares = finite.reduce(0) { $0 + $1 * $1 }
        let n = high > low ? max(1, buckets) : 1
        let width = (high - low) / Double(n)
        bucketLimits = (1...n).map { $0 == n ? high : low + width * Double($0) }
        bucketCounts = Array(repeating: 0, count: n)
        for value in finite {
            let index = width > 0 ? min(n - 1, Int((value - low) / width)) : 0
            bucketCounts[index] += 1
        }
    }

    /// `HistogramProto` fields: `min` = 1, `max` = 2, `num` = 3, `sum` = 4, `sum_squares` = 5,
    /// `bucket_limit` = 6 and `bucket` = 7 (packed).
    func encode(into w: inout ProtoWriter) {
        w.double(1, minimum)
        w.double(2, maximum)
        w.double(3, count)
        w.double(4, sum)
        w.double(5, sumOfSquares)
        w.packedDoubles(6, bucketLimits)
        w.packedDoubles(7, bucketCounts)
    }
}
