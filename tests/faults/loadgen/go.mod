module chatservice/loadgen

go 1.22
