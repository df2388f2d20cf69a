// Step checkpoint naming, rotation and the choice of the checkpoint to resume from.
#include "train/checkpoint_rotation.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

#include "common/hdf5_file.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"
#include "train/stop_signal.h"

namespace moe::train {
namespace {

using testing_support::error_of;
using testing_support::ScopedTempDir;

// A file that choose_resume_checkpoint can read: only the step attribute matters to it.
void write_stub_checkpoint(const std::string& path, int64_t step) {
  h5::File file = h5::File::create(path);
  file.set_attribute("/", "step", step);
  file.close();
}

TEST(CheckpointRotation, NamesSortByStep) {
  EXPECT_EQ(step_checkpoint_path("runs/a", 42), "runs/a/step-00000042.h5");
  EXPECT_EQ(step_checkpoint_path("runs/a", 123456789), "runs/a/step-123456789.h5");
}

TEST(CheckpointRotation, ListsStepCheckpointsOldestFirstAndIgnoresOthers) {
  ScopedTempDir dir("moe_rotation");
  for (int64_t step : {30, 4, 200})
    write_stub_checkpoint(step_checkpoint_path(dir.dir(), step), step);
  dir.write_file("step-00000050.h5.tmp", "half written");
  dir.write_file("checkpoint.h5", "final");
  dir.write_file("step-12.h5", "not our name");
  const std::vector<StepCheckpoint> found = list_step_checkpoints(dir.dir());
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].step, 4);
  EXPECT_EQ(found[1].step, 30);
  EXPECT_EQ(found[2].step, 200);
  EXPECT_TRUE(list_step_checkpoints(dir.path("absent")).empty());
}

TEST(CheckpointRotation, KeepsTheNewest) {
  ScopedTempDir dir("moe_rotation");
  for (int64_t step = 1; step <= 5; ++step)
    write_stub_checkpoint(step_checkpoint_path(dir.dir(), step), step);
  remove_old_step_checkpoints(dir.dir(), 2);
  const std::vector<StepCheckpoint> left = list_step_checkpoints(dir.dir());
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].step, 4);
  EXPECT_EQ(left[1].step, 5);
}

TEST(CheckpointRotation, RemovesOnlyUnfinishedCheckpoints) {
  ScopedTempDir dir("moe_rotation");
  write_stub_checkpoint(step_checkpoint_path(dir.dir(), 2), 2);
  dir.write_file("step-00000004.h5.tmp", "cut off");
  dir.write_file("checkpoint.h5.tmp", "cut off");
  dir.write_file("metrics.jsonl", "{}");
  dir.write_file("notes.tmp", "not a checkpoint");
  EXPECT_EQ(
      remove_unfinished_checkpoints(dir.dir()),
      (std::vector<std::string>{dir.path("checkpoint.h5.tmp"), dir.path("step-00000004.h5.tmp")}));
  EXPECT_TRUE(std::filesystem::exists(step_checkpoint_path(dir.dir(), 2)));
  EXPECT_TRUE(std::filesystem::exists(dir.path("metrics.jsonl")));
  EXPECT_TRUE(std::filesystem::exists(dir.path("notes.tmp")));
  EXPECT_TRUE(remove_unfinished_checkpoints(dir.dir()).empty());
  EXPECT_TRUE(remove_unfinished_checkpoints(dir.path("absent")).empty());
}

TEST(CheckpointRotation, AutoResumesTheNewestByStoredStep) {
  ScopedTempDir dir("moe_rotation");
  EXPECT_EQ(choose_resume_checkpoint("auto", dir.dir(), "checkpoint.h5"), "");
  write_stub_checkpoint(step_checkpoint_path(dir.dir(), 10), 10);
  write_stub_checkpoint(step_checkpoint_path(dir.dir(), 20), 20);
  EXPECT_EQ(choose_resume_checkpoint("auto", dir.dir(), "checkpoint.h5"),
            step_checkpoint_path(dir.dir(), 20));
  // The final checkpoint of a finished run is newer than its step checkpoints.
  write_stub_checkpoint(dir.path("checkpoint.h5"), 25);
  EXPECT_EQ(choose_resume_checkpoint("auto", dir.dir(), "checkpoint.h5"),
            dir.path("checkpoint.h5"));
  EXPECT_EQ(choose_resume_checkpoint("never", dir.dir(), "checkpoint.h5"), "");
}

TEST(CheckpointRotation, AnExplicitPathMustExist) {
  ScopedTempDir dir("moe_rotation");
  const std::string path = step_checkpoint_path(dir.dir(), 3);
  write_stub_checkpoint(path, 3);
  EXPECT_EQ(choose_resume_checkpoint(path, dir.dir(), "checkpoint.h5"), path);
  EXPECT_MENTIONS(error_of([&] { choose_resume_checkpoint(dir.path("gone.h5"), dir.dir(), "x"); }),
                  "checkpoint.resume: " + dir.path("gone.h5") + " does not exist");
}

TEST(StopSignal, RecordsTermAndUsr1OnlyWhileInstalled) {
  {
    const StopSignalHandler handler;
    EXPECT_EQ(StopSignalHandler::received(), 0);
    std::raise(SIGUSR1);
    EXPECT_EQ(StopSignalHandler::received(), SIGUSR1);
    std::raise(SIGTERM);
    EXPECT_EQ(StopSignalHandler::received(), SIGTERM);
    StopSignalHandler::clear();
    EXPECT_EQ(StopSignalHandler::received(), 0);
    EXPECT_MENTIONS(error_of([] { StopSignalHandler second; }), "already installed");
  }
  // The previous disposition is back: ignore SIGUSR1 now and check nothing is recorded.
  std::signal(SIGUSR1, SIG_IGN);
  std::raise(SIGUSR1);
  EXPECT_EQ(StopSignalHandler::received(), 0);
  std::signal(SIGUSR1, SIG_DFL);
}

}  // namespace
}  // namespace moe::train
