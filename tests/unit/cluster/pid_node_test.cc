// PIDs name their node in a cluster (docs/cluster.md §1): "{node@host|n}"; local PIDs name none.
#include <gtest/gtest.h>

#include "sched/processes.h"

namespace wirt::sched {

TEST(PidNode, AClusterPidNamesItsNode) {
  EXPECT_EQ(ProcessTable::node_of("{b1@app:host|1f}"), "b1");
  EXPECT_EQ(ProcessTable::node_of("{api-2@b:host|1}"), "api-2");
}

TEST(PidNode, LocalAndMalformedPidsNameNoNode) {
  EXPECT_EQ(ProcessTable::node_of("{app:host|1}"), "");
  EXPECT_EQ(ProcessTable::node_of(""), "");
  EXPECT_EQ(ProcessTable::node_of("b1@app:host|1"), "");   // no brace
  EXPECT_EQ(ProcessTable::node_of("{app:host|1@x}"), "");  // '@' after the '|'
  EXPECT_EQ(ProcessTable::node_of("{b1@app:host}"), "");   // no '|'
}

TEST(PidNode, NewPidsNameTheNodeOnceClustered) {
  Scheduler sched(SchedulerOptions{1});
  Policies policies;
  ProcessTable table(&sched, &policies);
  EXPECT_EQ(ProcessTable::node_of(table.new_pid("h:host")), "");
  RemoteProcesses remote;
  remote.node = "n1";
  table.set_remote(remote);
  std::string pid = table.new_pid("h:host");
  EXPECT_EQ(pid.rfind("{n1@h:host|", 0), 0u) << pid;
  EXPECT_EQ(ProcessTable::node_of(pid), "n1");
}

// Regression (PIDs reused across restarts): a restarted node started numbering at 1 again, so a
// PID another node still held from its last incarnation could address a new, unrelated process.
TEST(PidNode, FirstPidMovesTheNumbering) {
  Scheduler sched(SchedulerOptions{1});
  Policies policies;
  ProcessTable table(&sched, &policies);
  RemoteProcesses remote;
  remote.node = "n1";
  remote.first_pid = 0x10000;
  table.set_remote(remote);
  EXPECT_EQ(table.new_pid("h:host"), "{n1@h:host|10000}");
}

}  // namespace wirt::sched
