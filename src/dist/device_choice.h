// Which device a rank computes on (runtime.device): the GPU of its local rank, or the CPU.
#pragma once

#include <torch/torch.h>

#include <string>

namespace moe::dist {

// setting: "cpu", "cuda" or "auto" (cuda when this build has CUDA and a GPU is visible);
// errors name it as `setting_name` (the config key or command-line option it came from).
// A rank takes GPU local_rank modulo the visible GPUs: with every GPU of the node visible
// that is one GPU per local rank; with one GPU per task (CUDA_VISIBLE_DEVICES set by the
// scheduler) it is that GPU. Throws moe::Error when cuda is asked for and cannot be had.
torch::Device choose_device(const std::string& setting, int local_rank,
                            const std::string& setting_name = "runtime.device");

// "cpu" or "cuda:3 (NVIDIA H100 80GB HBM3)" for the start-up log.
std::string describe_device(const torch::Device& device);

}  // namespace moe::dist
