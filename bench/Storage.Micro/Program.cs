using BenchmarkDotNet.Running;
using Storage.Micro;

// Runs every benchmark class (or those named by --filter) with MicroConfig: in process, a short job.
BenchmarkSwitcher.FromAssembly(typeof(MicroConfig).Assembly).Run(args, new MicroConfig());
