import Testing
import LARSKernels

/// Flag sets of CPUs the core selection can meet.
enum CPUFlags {
    static let base: Set<String> = ["fpu", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "avx", "popcnt"]
    /// Emerald Rapids Xeon (family 6, model 207): AVX-512 with BF16.
    static let emeraldRapids = base.union(["avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_bf16", "amx_tile"])
    /// Skylake-SP / Cascade Lake: AVX-512 without BF16.
    static let skylakeX = base.union(["avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"])
    /// Haswell or Zen 3: AVX2 + FMA.
    static let avx2 = base.union(["avx2", "fma", "bmi2"])
    /// Sandy Bridge: AVX only.
    static let avxOnly = base
    /// An old SSE3-only CPU.
    static let sse3: Set<String> = ["fpu", "sse", "sse2", "pni"]
}

@Suite struct CoreSelectionTests {
    @Test(arguments: ["Prescott", "prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "generic", "Sandybridge"])
    func fallbackCoreOnAVX512CPUSwitchesToAVX512Kernel(_ core: String) {
        #expect(CoreSelection.decide(currentCore: core, cpuFlags: CPUFlags.emeraldRapids, userCoreType: nil) == .switchTo("Cooperlake"))
        #expect(CoreSelection.decide(currentCore: core, cpuFlags: CPUFlags.skylakeX, userCoreType: nil) == .switchTo("SkylakeX"))
    }

    @Test(arguments: ["Prescott", "Core2", "Nehalem", "Barcelona", "Bulldozer", "generic"])
    func fallbackCoreOnAVX2CPUSwitchesToAVX2Kernel(_ core: String) {
        #expect(CoreSelection.decide(currentCore: core, cpuFlags: CPUFlags.avx2, userCoreType: nil) == .switchTo("Haswell"))
        #expect(CoreSelection.decide(currentCore: core, cpuFlags: CPUFlags.avx2, userCoreType: nil, isAMD: true) == .switchTo("Zen"))
    }

    @Test func userSettingIsAlwaysRespected() {
        #expect(CoreSelection.decide(currentCore: "Prescott", cpuFlags: CPUFlags.emeraldRapids, userCoreType: "Prescott")
            == .respectUserSetting("Prescott"))
        #expect(CoreSelection.decide(currentCore: "Haswell", cpuFlags: CPUFlags.skylakeX, userCoreType: "Haswell")
            == .respectUserSetting("Haswell"))
        // An empty variable counts as unset.
        #expect(CoreSelection.decide(currentCore: "Prescott", cpuFlags: CPUFlags.avx2, userCoreType: "") == .switchTo("Haswell"))
    }

    @Test(arguments: ["Zen", "Haswell", "SkylakeX", "Cooperlake", "SapphireRapids"])
    func goodCoreIsKept(_ core: String) {
        #expect(CoreSelection.decide(currentCore: core, cpuFlags: CPUFlags.emeraldRapids, userCoreType: nil) == .keep)
        #expect(CoreSelection.decide(currentCore: core, cpuFlags: CPUFlags.avx2, userCoreType: nil, isAMD: true) == .keep)
    }

    @Test func genericCoreIsKeptWhenNothingBetterExists() {
        #expect(CoreSelection.decide(currentCore: "Prescott", cpuFlags: CPUFlags.sse3, userCoreType: nil) == .keep)
        #expect(CoreSelection.decide(currentCore: "Sandybridge", cpuFlags: CPUFlags.avxOnly, userCoreType: nil) == .keep)
    }

    @Test func descriptionFlagsFallbackAndNamesTheFix() {
        let xeon = CPUInfo(vendor: "GenuineIntel", modelName: "Intel(R) Xeon(R)", family: 6, model: 207, flags: CPUFlags.emeraldRapids)
        let slow = BLASDescription(
            library: "OpenBLAS 0.3.21", coreName: "Prescott", configuration: "OpenBLAS 0.3.21 DYNAMIC_ARCH", threads: 2,
            cpu: xeon, coreTypeSetting: nil)
        #expect(slow.isGenericFallback)
        #expect(slow.fix?.contains("OPENBLAS_CORETYPE=Cooperlake") == true)
        #expect(slow.summary.contains("WARNING"))
        var fast = slow
        fast.coreName = "Cooperlake"
        fast.replacedCore = "Prescott"
        #expect(!fast.isGenericFallback && fast.fix == nil)
        #expect(fast.summary == "BLAS: OpenBLAS 0.3.21, core Cooperlake, 2 threads (CPU: Intel(R) Xeon(R), AVX-512+BF16) [switched from Prescott]")
    }

    @Test func aUserCoreNarrowerThanTheCPUIsRespectedButNamed() {
        let zen5 = CPUInfo(vendor: "AuthenticAMD", modelName: "AMD EPYC", family: 26, model: 2, flags: CPUFlags.emeraldRapids)
        var haswell = BLASDescription(
            library: "OpenBLAS 0.3.21", coreName: "Haswell", configuration: "OpenBLAS 0.3.21 DYNAMIC_ARCH", threads: 2,
            cpu: zen5, coreTypeSetting: "Haswell")
        #expect(haswell.slowerCoreAdvice?.contains("OPENBLAS_CORETYPE=Haswell runs the Haswell kernel on a CPU with AVX-512+BF16; OpenBLAS would pick Cooperlake itself") == true)
        #expect(haswell.summary.contains("[OPENBLAS_CORETYPE=Haswell set by the user] NOTE: "))
        // The same core chosen by OpenBLAS itself, the best core set by the user, or an AVX2 CPU: nothing to say.
        haswell.coreTypeSetting = nil
        #expect(haswell.slowerCoreAdvice == nil)
        var cooperlake = haswell
        cooperlake.coreName = "Cooperlake"
        cooperlake.coreTypeSetting = "Cooperlake"
        #expect(cooperlake.slowerCoreAdvice == nil)
        let zen3 = CPUInfo(vendor: "AuthenticAMD", modelName: "AMD EPYC", family: 25, model: 1, flags: ["sse2", "avx", "avx2", "fma"])
        let zen = BLASDescription(
            library: "OpenBLAS 0.3.21", coreName: "Haswell", configuration: "", threads: 1, cpu: zen3, coreTypeSetting: "Haswell")
        #expect(zen.slowerCoreAdvice == nil)
        #expect(CoreSelection.tier("Prescott") == 0 && CoreSelection.tier("Zen") == 1 && CoreSelection.tier("SkylakeX") == 2)
    }

    @Test func cpuInfoParsesTheFirstProcessor() {
        let text = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model\t\t: 1
            model name\t: AMD EPYC 7B13
            flags\t\t: fpu sse2 avx avx2 fma

            processor\t: 1
            vendor_id\t: SomethingElse
            """
        let cpu = CPUInfo(parsing: text)
        #expect(cpu.vendor == "AuthenticAMD" && cpu.isAMD)
        #expect(cpu.family == 25 && cpu.model == 1)
        #expect(cpu.modelName == "AMD EPYC 7B13")
        #expect(cpu.hasAVX2 && !cpu.hasAVX512 && cpu.vectorExtension == "AVX2")
    }

    @Test func thisProcessDescribesItsBLAS() {
        let description = BLASRuntime.describe()
        #expect(description.library.hasPrefix("OpenBLAS"))
        #expect(!description.coreName.isEmpty)
        #expect(description.threads >= 1)
        #expect(BLASRuntime.threads == description.threads)
        // setThreads is exercised in a child process (LarsFitExecutableTests): changing OpenBLAS's
        // pool while other tests call BLAS concurrently would not be safe.
    }
}
