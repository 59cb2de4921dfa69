import Testing
@testable import LARSDistributed
import LARSTraining

/// The wire form and the wording of the configuration check, without MPI.
@Suite("Configuration check")
struct ConfigurationItemsTests {
    @Test("encode/decode round trip keeps empty items and empty lists apart", arguments: [
        [], [""], ["--lr", "0.1"], ["a b", "", "c=d\ne"],
    ])
    func roundTrip(items: [String]) {
        #expect(ConfigurationItems.decode(ConfigurationItems.encode(items)) == items)
    }

    @Test("the first difference names the flag before it and both values")
    func firstDifferenceWording() {
        let text = ConfigurationItems.firstDifference(["--lr", "0.1", "--steps", "3"], ["--lr", "0.2"], otherRank: 3)
        #expect(text == "item 2 after `--lr`: rank 0 has `0.1`, rank 3 has `0.2`")
        let shorter = ConfigurationItems.firstDifference(["--lr", "0.1", "--steps", "3"], ["--lr", "0.1"], otherRank: 1)
        #expect(shorter == "item 3 after `0.1`: rank 0 has `--steps`, rank 1 has nothing (2 items)")
    }

    @Test("a group of one accepts any configuration without collectives")
    func singleProcessAccepts() throws {
        try SingleProcessGroup().requireSameConfiguration(["anything"])
    }

    @Test("errors name the module and the MPI call")
    func errorWording() {
        let error = DistributedError.mpiCall(function: "MPI_Allreduce", code: 5, message: "MPI_ERR_COUNT: invalid count argument")
        #expect(error.description == "LARSDistributed: MPI_Allreduce failed with MPI error 5: MPI_ERR_COUNT: invalid count argument")
    }
}
