// Checks the prefetch queue: first in first out, and close() releasing a blocked producer or
// consumer (the loader's destructor relies on it).
#include "data/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>

using moe::data::BoundedQueue;

TEST(BoundedQueue, FirstInFirstOutAcrossThreads) {
  BoundedQueue<int> queue(2);
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(queue.push(i));
  });
  for (int i = 0; i < 100; ++i) EXPECT_EQ(queue.pop(), i);
  producer.join();
  EXPECT_EQ(queue.size(), 0u);
}

TEST(BoundedQueue, CloseReleasesABlockedProducer) {
  BoundedQueue<int> queue(1);
  ASSERT_TRUE(queue.push(1));
  bool pushed = true;
  std::thread producer([&] { pushed = queue.push(2); });  // blocks: the queue is full
  queue.close();
  producer.join();
  EXPECT_FALSE(pushed);
  EXPECT_EQ(queue.pop(), 1);  // items pushed before close are still handed out
  EXPECT_EQ(queue.pop(), std::nullopt);
}

TEST(BoundedQueue, CloseReleasesABlockedConsumer) {
  BoundedQueue<int> queue(3);
  std::optional<int> got = 0;
  std::thread consumer([&] { got = queue.pop(); });  // blocks: the queue is empty
  queue.close();
  consumer.join();
  EXPECT_EQ(got, std::nullopt);
  EXPECT_FALSE(queue.push(5));
}
