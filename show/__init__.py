"""The show: when the wall is lit (`controller.ShowController`, over the core's pure
`wall.schedule`, which the config validates with), the projectors it switches
(`projectors/`, PJLink), the display's preview board, and tonight's promise to visitors.

The pure schedule stays in the core because `wall.config` checks the schedule with it.
"""
