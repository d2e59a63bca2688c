print("avatarpipe")
