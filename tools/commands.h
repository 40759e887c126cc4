// Entry points of the `yiwang` subcommands. Each takes the arguments after the subcommand name
// (argv[0] is the subcommand itself), prints its own usage on bad arguments, and returns the
// process exit code: 0 success, 1 failure, 2 usage error.
#pragma once

namespace yiwang::tools {

int RunServe(int argc, char** argv);
int RunExport(int argc, char** argv);
int RunVerify(int argc, char** argv);
int RunReplay(int argc, char** argv);       // `yiwang replay`: rebuild projections
int RunImport(int argc, char** argv);       // `yiwang import`: a node from Kafka
int RunBench(int argc, char** argv);        // dispatches on the benchmark name
int RunBenchAppend(int argc, char** argv);  // `yiwang bench append …`
int RunBenchImport(int argc, char** argv);  // `yiwang bench import …`
int RunBenchHttp(int argc, char** argv);    // `yiwang bench http …`
int RunBenchReplay(int argc, char** argv);  // `yiwang bench replay …`
int RunBenchKafka(int argc, char** argv);   // `yiwang bench kafka …`
int RunKafkaDev(int argc, char** argv);     // `yiwang kafka-dev`: a local Kafka cluster

}  // namespace yiwang::tools
