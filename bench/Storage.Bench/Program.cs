Console.WriteLine("Storage.Bench: see bench/README");
