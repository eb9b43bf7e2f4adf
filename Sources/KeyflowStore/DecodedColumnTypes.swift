/// The column types the row readers decode themselves, as identities to compare a requested type with.
/// Written in place, `String?.self` looks its metadata up in the runtime's cache on every column read (≈ 380
/// instructions); these are looked up once.
enum DecodedColumnTypes {
    static let string = ObjectIdentifier(String.self)
    static let optionalString = ObjectIdentifier(String?.self)
    static let int = ObjectIdentifier(Int.self)
    static let optionalInt = ObjectIdentifier(Int?.self)
    static let int64 = ObjectIdentifier(Int64.self)
    static let optionalInt64 = ObjectIdentifier(Int64?.self)
    static let double = ObjectIdentifier(Double.self)
    static let optionalDouble = ObjectIdentifier(Double?.self)
    static let bool = ObjectIdentifier(Bool.self)
}
