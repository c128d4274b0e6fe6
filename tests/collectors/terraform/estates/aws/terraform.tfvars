environment = "acc"
