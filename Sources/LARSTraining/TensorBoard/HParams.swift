/// The records of TensorBoard's HParams plugin (`tensorboard/plugins/hparams`: `api.proto`,
/// `plugin_data.proto`, `metadata.py`), which make a grid of runs one table.
///
/// TensorBoard takes every run holding a session-start record as one row, with that record's
/// hyperparameters; a metric's value in a row is the last value of the scalar tagged
/// `Metric.tag` in the row's run (in its subdirectory `Metric.group` when one is named). The
/// experiment record, in any run (a study writes it into its root), names the columns and the
/// values each hyperparameter takes.
public enum HParams {
    /// The plugin's name in `SummaryMetadata.plugin_data`.
    public static let pluginName = "hparams"
    /// The tag of the experiment record.
    public static let experimentTag = "_hparams_/experiment"
    /// The tag of a run's session-start record (its hyperparameters).
    public static let sessionStartTag = "_hparams_/session_start_info"
    /// The tag of a run's session-end record (its status).
    public static let sessionEndTag = "_hparams_/session_end_info"

    /// A hyperparameter's value (`google.protobuf.Value`: `number_value` = 2, `string_value` = 3,
    /// `bool_value` = 4).
    public enum Value: Sendable, Equatable, Hashable {
        /// A number (TensorBoard's `DATA_TYPE_FLOAT64`).
        case number(Double)
        /// A string (`DATA_TYPE_STRING`).
        case string(String)
        /// A Boolean (`DATA_TYPE_BOOL`).
        case bool(Bool)

        func encode(into w: inout ProtoWriter) {
            switch self {
            case .number(let x): w.double(2, x)
            case .string(let s): w.string(3, s)
            case .bool(let b): w.bool(4, b)
            }
        }

        /// `DataType`: STRING 1, BOOL 2, FLOAT64 3.
        var dataType: Int32 {
            switch self {
            case .string: 1
            case .bool: 2
            case .number: 3
            }
        }
    }

    /// A column of hyperparameters (`HParamInfo`): its name and the values the grid gives it.
    public struct Parameter: Sendable, Equatable {
        /// The key the session-start records use.
        public var name: String
        /// The column's title.
        public var displayName: String
        /// The values it takes in the grid (its discrete domain), all of one kind.
        public var values: [Value]

        /// A column `name` titled `displayName`, taking `values`.
        public init(name: String, displayName: String, values: [Value]) {
            self.name = name
            self.displayName = displayName
            self.values = values
        }
    }

    /// A metric column (`MetricInfo`): the scalar tag whose last value fills it.
    public struct Metric: Sendable, Equatable {
        /// The scalar's tag.
        public var tag: String
        /// A subdirectory of each run holding the scalar, or "" for the run itself.
        public var group: String
        /// The column's title.
        public var displayName: String

        /// A column filled by the scalar `tag` in each run (or its subdirectory `group`).
        public init(tag: String, group: String = "", displayName: String) {
            self.tag = tag
            self.group = group
            self.displayName = displayName
        }
    }

    /// How a run ended (`Status`).
    public enum Status: Int32, Sendable {
        /// Not known.
        case unknown = 0
        /// Finished.
        case success = 1
        /// Diverged or failed.
        case failure = 2
        /// Still running.
        case running = 3
    }

    /// The experiment record: `parameters` and `metrics` as the table's columns.
    ///
    /// - Parameters:
    ///   - name: the experiment's name.
    ///   - parameters: the hyperparameter columns.
    ///   - metrics: the metric columns.
    ///   - created: seconds since 1970 (`time_created_secs`).
    public static func experiment(name: String, parameters: [Parameter], metrics: [Metric], created: Double) -> SummaryValue {
        record(experimentTag, field: 2) { e in
            e.double(3, created)
            for p in parameters {
                e.message(4) { info in
                    info.string(1, p.name)
                    info.string(2, p.displayName)
                    info.int32(4, p.values.first?.dataType ?? 0)
                    info.message(5) { list in
                        for v in p.values { list.message(1) { v.encode(into: &$0) } }
                    }
                }
            }
            for m in metrics {
                e.message(5) { info in
                    info.message(1) { name in
                        name.string(1, m.group)
                        name.string(2, m.tag)
                    }
                    info.string(3, m.displayName)
                }
            }
            e.string(6, name)  // last: fields in number order, as protobuf's own encoders write them
        }
    }

    /// A run's session-start record: its hyperparameters (keys as `Parameter.name`), in the
    /// order given.
    ///
    /// - Parameters:
    ///   - values: each hyperparameter's name and value.
    ///   - started: seconds since 1970.
    public static func sessionStart(_ values: [(name: String, value: Value)], started: Double) -> SummaryValue {
        record(sessionStartTag, field: 3) { s in
            for (name, value) in values {
                s.message(1) { entry in  // map<string, Value> entries: key = 1, value = 2
                    entry.string(1, name)
                    entry.message(2) { value.encode(into: &$0) }
                }
            }
            s.double(5, started)
        }
    }

    /// A run's session-end record.
    ///
    /// - Parameters:
    ///   - status: how the run ended.
    ///   - ended: seconds since 1970.
    public static func sessionEnd(_ status: Status, ended: Double) -> SummaryValue {
        record(sessionEndTag, field: 4) { s in
            s.int32(1, status.rawValue)
            s.double(2, ended)
        }
    }

    /// A plugin value tagged `tag` whose content is an `HParamsPluginData` holding `body` in its
    /// field `field` (experiment 2, session start 3, session end 4); its `version` is 0, the
    /// default, and so left out.
    private static func record(_ tag: String, field: Int, _ body: (inout ProtoWriter) -> Void) -> SummaryValue {
        var data = ProtoWriter()
        data.message(field, body)
        return SummaryValue(tag: tag, kind: .plugin(name: pluginName, content: data.bytes))
    }
}
