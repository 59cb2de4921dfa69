#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The platform C library's elementary functions in Double, the one place that imports it, so
/// that the modules need neither repeat the platform imports nor keep copies of these wrappers.
public enum Elementary {
    /// e^x.
    @inlinable @inline(__always) public static func exp(_ x: Double) -> Double { cExp(x) }
    /// The natural logarithm of `x`.
    @inlinable @inline(__always) public static func log(_ x: Double) -> Double { cLog(x) }
    /// The cosine of `x` radians.
    @inlinable @inline(__always) public static func cos(_ x: Double) -> Double { cCos(x) }
    /// x^y.
    @inlinable @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { cPow(x, y) }
}

// At file scope the names resolve to the C library, not to `Elementary`'s members.
@usableFromInline @inline(__always) func cExp(_ x: Double) -> Double { exp(x) }
@usableFromInline @inline(__always) func cLog(_ x: Double) -> Double { log(x) }
@usableFromInline @inline(__always) func cCos(_ x: Double) -> Double { cos(x) }
@usableFromInline @inline(__always) func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
