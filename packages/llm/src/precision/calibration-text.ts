/**
 * The text `ix calibrate` measures on when given none: a little of what models are asked for
 * (prose, dialogue, instructions, code, numbers, lists), written for ix. A text of the user's own
 * domain (--text) measures their use better.
 */
export const CALIBRATION_TEXT = `Once upon a time, in a small town by the sea, there lived a girl named Mira who loved to build boats out of driftwood. Every morning she walked along the shore, collecting pieces that the tide had left behind. One day she found a long, smooth plank with strange letters carved into it.
"Grandpa, what do these letters mean?" she asked.
He put on his glasses and looked for a long time. "They are the name of a ship that sank when I was a boy," he said. "Nobody ever found out where it went down."

The water cycle describes how water moves between the oceans, the air and the land. Heat from the sun evaporates water from the surface; the vapour rises, cools and condenses into clouds; and the water falls again as rain or snow. About 97 percent of the water on Earth is salt water, and most of the fresh water is frozen in ice sheets and glaciers.

To make a simple tomato sauce: heat two tablespoons of olive oil in a pan, add one chopped onion and cook for 5 minutes. Add two cloves of garlic, then 800 g of tomatoes, a pinch of salt and a few basil leaves. Simmer for 20 minutes, stirring now and then.

Q: What is the capital of Australia?
A: Canberra. Many people guess Sydney, which is the largest city.
Q: How many days are there in a leap year?
A: 366.

def fibonacci(n):
    """Return the first n Fibonacci numbers."""
    a, b = 0, 1
    out = []
    for _ in range(n):
        out.append(a)
        a, b = b, a + b
    return out

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

Meeting notes, 12 March: the team agreed to ship version 2.4 on Friday. Open items: (1) fix the login timeout on slow networks; (2) update the documentation for the new export format; (3) review the memory use of the image cache, which grew by 18% since the last release.

The committee said the results were encouraging but that more data was needed before the method could be used in practice. In the next phase, the researchers plan to test it on a larger group and over a longer period of time.`;
