// The JSON files of a model folder: reading one object with errors that name the file, and
// writing atomically (under name + ".tmp", then renamed) so no reader sees half a file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace moe::hf {

// Throws moe::Error naming `path` when it is missing, a folder, unreadable or not JSON (with
// the byte offset).
nlohmann::json read_json(const std::string& path);
// As read_json, and the top level must be an object.
nlohmann::json read_json_object(const std::string& path);

// Writes `text` to `path` atomically; moe::Error naming `path` on failure (no ".tmp" left).
void write_file_atomically(const std::string& path, const std::string& text);

// json.dump(2) plus a final newline, written atomically. Ordered so keys keep the order the
// Python libraries write them in.
void write_json_file(const std::string& path, const nlohmann::ordered_json& json);

}  // namespace moe::hf
