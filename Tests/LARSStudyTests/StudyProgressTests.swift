import Testing
@testable import LARSStudy

/// The remaining-time estimate: images left over the images-per-second rate so far.
struct StudyProgressTests {
    @Test func theEstimateIsTheImagesLeftAtTheRateSoFar() {
        var p = StudyProgress(remainingImages: 1000, start: 0)
        #expect(p.secondsLeft(now: 5) == nil)
        p.add(images: 200)  // 200 images in 10 s: 20 images/s, 800 left
        #expect(p.secondsLeft(now: 10) == 40)
        p.drop(images: 400)  // a run that diverged early will not do its last epochs
        #expect(p.remainingImages == 400)
        #expect(p.line(now: 10) == "study: about 0:20 left (400 images to go)")
    }

    @Test func trainingImagesPerEpochLeaveOutTheValidationSplit() {
        let facts = DatasetFacts(name: "fashion-mnist")!
        #expect(facts.imagesPerEpoch(validation: 5000, limit: nil) == 55000)
        #expect(facts.imagesPerEpoch(validation: 5000, limit: 36000) == 36000)
        #expect(abs(facts.collapseThreshold - 0.11) < 1e-12)
        #expect(DatasetFacts(name: "cifar100")?.classes == 100)
    }
}
