#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Elementary functions for schedules and bias corrections, so that other files need not repeat
// the platform imports.
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
