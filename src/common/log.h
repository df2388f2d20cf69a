// Rank-aware logging: "[subsystem] message" lines, progress from rank 0 only.
#pragma once

#include <string>

namespace moe::log {

// Set once at start-up by the process environment (dist layer) so messages can be tagged.
void set_rank(int rank, int world_size);
int rank();

// Printed by rank 0 only (progress, tables, results).
void info(const std::string& subsystem, const std::string& message);
// Printed by every rank, prefixed with its rank (problems worth seeing from anywhere).
void warn(const std::string& subsystem, const std::string& message);

}  // namespace moe::log
