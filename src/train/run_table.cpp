// Implementation of format_run_table (see run_table.h).
#include "train/run_table.h"

#include <iomanip>
#include <sstream>

namespace moe::train {
namespace {

// 1234567 -> "1,234,567": parameter counts are read by eye.
std::string grouped(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(at, ",");
  return value < 0 ? "-" + digits : digits;
}

}  // namespace

std::string format_run_table(const RunFacts& f) {
  std::ostringstream out;
  const bool experts = !f.expert_layers.empty();
  const int64_t expert_count = experts ? static_cast<int64_t>(f.domains.size()) : 0;
  const int64_t total = f.shared_parameters + expert_count * f.parameters_per_expert;
  out << "run:    " << f.ranks << " rank(s) on " << f.device << ", global batch " << f.global_batch
      << " pairs (" << f.global_batch / f.ranks << " per rank), " << f.steps << " steps, lr "
      << f.lr << " (" << f.schedule << ", warm-up " << f.warmup_steps << "), loss " << f.loss
      << (experts ? ", dispatch " + f.dispatch : "") << "\n";
  if (!f.hosts.empty()) out << "hosts:  " << f.hosts << "\n";
  out << "model:  BERT hidden " << f.hidden << ", " << f.layers << " layers, " << f.heads
      << " heads, vocabulary " << f.vocabulary << "; " << grouped(total) << " parameters";
  if (experts)
    out << " (shared " << grouped(f.shared_parameters) << " + " << expert_count << " experts x "
        << grouped(f.parameters_per_expert) << ", expert layers " << f.expert_layers << ")";
  else
    out << " (one dense model)";
  out << "\n";
  out << "  " << std::left << std::setw(18) << "domain" << std::right << std::setw(10) << "train"
      << std::setw(9) << "valid" << std::setw(9) << "test"
      << (experts ? "   expert on rank(s)" : "") << "\n";
  DomainCounts sum;
  sum.name = "total";
  for (const DomainCounts& d : f.domains) {
    out << "  " << std::left << std::setw(18) << d.name << std::right << std::setw(10) << d.train
        << std::setw(9) << d.valid << std::setw(9) << d.test << (experts ? "   " + d.ranks : "")
        << "\n";
    sum.train += d.train;
    sum.valid += d.valid;
    sum.test += d.test;
  }
  out << "  " << std::left << std::setw(18) << sum.name << std::right << std::setw(10) << sum.train
      << std::setw(9) << sum.valid << std::setw(9) << sum.test;
  return out.str();
}

}  // namespace moe::train
