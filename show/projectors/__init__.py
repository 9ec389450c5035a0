"""Projector control: a PJLink class 1 client and the controller that follows the schedule."""
