import Logging
import PostgresNIO

/// One run of a statement through PostgresNIO's prepared statements.
///
/// PostgresNIO asks a statement type for its name, text and parameter types (static members, made for
/// statements written out in code) when it is executed, before it suspends. Keyflow's statements are made by
/// SQLKit at run time, so this one type answers with the statement of the run in progress, held in a task-local
/// value bound around the call. The prepared statements tests fail if a PostgresNIO release reads them elsewhere.
struct KeptStatement: PostgresPreparedStatement {
    typealias Row = PostgresRow

    let key: PreparedStatements.Key
    let bindings: PostgresBindings

    /// Nil when the statement is not a query, or a value is of a type PostgresNIO cannot bind as it is.
    init?(sql: String, binds: [any Encodable & Sendable]) throws {
        let verb = sql.drop { $0.isWhitespace }.prefix { $0.isLetter }.uppercased()
        guard ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains(verb) else { return nil }
        var bindings = PostgresBindings(capacity: binds.count)
        var types: [PostgresDataType] = []
        types.reserveCapacity(binds.count)
        for bind in binds {
            if try Self.append(bind, to: &bindings, types: &types) { continue }
            guard Self.unwrapped(bind) == nil else { return nil }
            bindings.appendNull()
            types.append(.null)
        }
        self.key = PreparedStatements.Key(sql: sql, types: types)
        self.bindings = bindings
    }

    func run(
        as name: String, on connection: PostgresConnection, logger: Logger, _ onRow: (PostgresRow) -> Void
    ) async throws {
        try await Self.$running.withValue(Running(name: name, key: key)) {
            for try await row in try await connection.execute(self, logger: logger) { onRow(row) }
        }
    }

    private struct Running {
        var name: String
        var key: PreparedStatements.Key
    }

    @TaskLocal private static var running: Running?

    // Outside a run the text is not SQL, so the server refuses it loudly rather than run something else.
    static var name: String { running?.name ?? "keyflow_unbound" }
    static var sql: String { running?.key.sql ?? "kept statement read outside its run" }
    static var bindingDataTypes: [PostgresDataType] { running?.key.types ?? [] }

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }

    /// Binds a value; false for a value PostgresNIO cannot bind directly, or a NULL of another type than the
    /// store's usual ones. Those (text, numbers, and optional text and numbers) are told apart by the value's
    /// type alone, a comparison of metadata: a cast, even from a type to itself, goes through the runtime
    /// (≈ 22,500 instructions a verification, whose change has some forty binds), and a NULL was then looked for
    /// by another. Any other type is cast, which also reaches into an optional that holds a value.
    private static func append<Value: Encodable & Sendable>(
        _ value: Value, to bindings: inout PostgresBindings, types: inout [PostgresDataType]
    ) throws -> Bool {
        if Value.self == String.self {
            add(unsafeBitCast(value, to: String.self), to: &bindings, &types)
        } else if Value.self == String?.self {
            add(unsafeBitCast(value, to: String?.self), to: &bindings, &types)
        } else if Value.self == Double.self {
            add(unsafeBitCast(value, to: Double.self), to: &bindings, &types)
        } else if Value.self == Double?.self {
            add(unsafeBitCast(value, to: Double?.self), to: &bindings, &types)
        } else if Value.self == Int.self {
            add(unsafeBitCast(value, to: Int.self), to: &bindings, &types)
        } else if Value.self == DocumentBytes.self {
            add(unsafeBitCast(value, to: DocumentBytes.self), to: &bindings, &types)
        } else {
            switch value {
            case let text as String: add(text, to: &bindings, &types)
            case let number as Double: add(number, to: &bindings, &types)
            case let number as Int: add(number, to: &bindings, &types)
            case let flag as Bool: add(flag, to: &bindings, &types)
            default:
                guard let typed = value as? any PostgresThrowingDynamicTypeEncodable else { return false }
                try bindings.append(typed)
                types.append(typed.psqlType)
            }
        }
        return true
    }

    private static func add<Value: PostgresNonThrowingEncodable>(
        _ value: Value?, to bindings: inout PostgresBindings, _ types: inout [PostgresDataType]
    ) {
        guard let value else {
            bindings.appendNull()
            types.append(.null)
            return
        }
        bindings.append(value)
        types.append(Value.psqlType)
    }

    /// The value inside any depth of optionals, or nil for a NULL.
    private static func unwrapped(_ value: Any) -> Any? {
        guard let optional = value as? any OptionalValue else { return value }
        return optional.wrapped.flatMap(unwrapped)
    }
}

/// An `Optional` seen through `Any`, to tell a NULL from a value.
private protocol OptionalValue {
    var wrapped: Any? { get }
}

extension Optional: OptionalValue {
    var wrapped: Any? { self.map { $0 } }
}
