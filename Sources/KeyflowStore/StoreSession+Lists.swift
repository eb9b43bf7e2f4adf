import SQLKit

extension StoreSession {
    /// `IN` a list of keys. On PostgreSQL it is `= ANY` of one array, so the statement's text is the same
    /// whatever the list's length: a text per length was a statement prepared and planned anew for each length
    /// on each connection (the batches of callbacks and of verification jobs vary from one to dozens), each
    /// taking one of the connection's kept statements.
    func isOneOf(_ keys: [String]) -> SQLQueryString {
        switch engine {
        case .postgres: "= ANY(\(bind: keys))"
        case .sqlite: "IN (\(SQLList(keys.map { SQLBind($0) })))"
        }
    }
}
