from opcoord.bench.cli import bench

bench()
