// error_of and EXPECT_MENTIONS: check that a test body throws moe::Error and what it says.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "common/error.h"

namespace moe::testing_support {

// Runs `body`, expects a moe::Error, and returns its message; anything else fails the test.
template <typename Body>
std::string error_of(Body&& body) {
  try {
    body();
  } catch (const moe::Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a moe::Error";
  return "";
}

}  // namespace moe::testing_support

// Expects `message` to contain `text`, printing both when it does not.
#define EXPECT_MENTIONS(message, text)               \
  EXPECT_NE((message).find(text), std::string::npos) \
      << "missing \"" << (text) << "\" in: " << (message)
