import sys; sys.exit("TiC Studio demo workspace: datacomp/evaluate.py is a placeholder; there is no training/evaluation code here. Point TiC Studio at a real ml-tic-clip checkout.")
