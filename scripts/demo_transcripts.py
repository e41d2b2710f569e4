"""Realistic transcripts for the demo export (used by ``gen_demo_export.py``).

A transcript is built from, in order: an opening exchange; the overview spoken as the
conversation goes (with the other speakers' reactions and follow-ups); the hand-written
details of ``demo_transcript_facts.DETAILS`` when the title has some; a topic detail picked
by the conversation's words (a clinician's name, a bill, a place stayed, a follow-up time);
side topics that drift in as real conversations do (a neighbour's request, a reimbursement,
a delivery window, a relative's flight), each with names, amounts, dates and times drawn so
no two conversations share them; the action items said aloud; a closing line.

Lengths follow a mix: a few short (5–10 segments), most 12–40, some long (60+). Speakers:
0 is the user (``is_user``), 1 the main other person, 2 and 3 occasional others. Times are
seconds from the start, about 14 characters a second plus pauses.

Deterministic: every draw comes from the ``random.Random`` passed in.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from demo_transcript_facts import DETAILS

FIRST = """Abigail Adaeze Aiden Alma Amara Ambrose Anneliese Ansel Aurelio Bastian Beatrix
Bertrand Bianca Blaise Bodhi Bronwyn Caius Calla Camille Cassius Cecily Cosima Cyrus Dagny
Dashiell Delphine Desmond Dorian Dulcie Eamon Edie Eloise Emrys Esme Evander Fenella Fintan
Fiona Florian Gideon Ginevra Gwen Hamish Harlow Hollis Ida Ignatius Imogen Inez Isadora Ivo
Jasper Jolene Josephine Jude Junia Kasimir Keziah Kit Lachlan Larkin Leopold Lorcan Lucinda
Lyra Mabel Magnus Marguerite Marlowe Maude Maxine Mireille Nell Niamh Noor Octavia Odile
Orla Ottilie Pascal Percy Petra Phineas Quentin Quincy Rafferty Remy Rhiannon Rosalie Rufus
Sabine Saoirse Seraphina Silas Solveig Sunniva Tamsin Tavish Thaddeus Thea Tobias Ulla
Valentina Vesna Wilhelmina Winslow Wren Xavi Yara Yusuf Zadie Zora Anouk Birgit
Corentin Dmitri Elif Farida Goran Halvard Ilse Jovan Kalani Leocadia Malak Nikolai Oona
Paloma Radek Sanna Teodor Uriel Vidya Wiebke Yannick Zuzana Aroha Bjorn Cleo Darius Emeka
Fatima Grigor Hyun Ines Javier Kofi Leilani Mateus Nkechi Oskar Priyanka Rania Santiago
Tariq Umeko Viggo Wanjiru Ximena Yoshiro Zeynep""".split()

LAST = """Abernathy Achterberg Ainsworth Albrecht Ashdown Bagley Balfour Barrowman Beauchamp
Birkeland Blackwood Bramwell Brennan Calloway Carrick Castellano Chatterjee Coburn Cromwell
Dalgaard Danforth Devereux Dunmore Eastwick Eckhart Elsworth Fairbanks Falkner Farnsworth
Fenwick Finnegan Galloway Garnier Gilchrist Greenhalgh Hallworth Hargreaves Hawksley Holloway
Hutchins Ibarra Iverson Jablonski Jarvinen Kavanagh Kessler Kingsley Kowalczyk Lachance
Langford Lockhart Macallister Marchetti Merriweather Montague Moreau Northcott
Oakley Ostrowski Pemberton Penhaligon Quimby Radcliffe Ravenscroft Rothwell Sandoval
Sedgwick Sinclair Stanhope Szabo Tennant Thackeray Thistlewood Underhill Valdivia Vance
Wainwright Wexford Whitlock Wycliffe Yarborough Zamora Zellweger Okoro Mbeki Haddad Nakashima
Takeda Rinaldi Oyelaran Vasquez Lindgren Petrakis Novak Sorensen Tiwari Guzman Alvarado""".split()

STREETS = ["Clinton St", "Killingsworth", "Fremont", "Belmont", "Mississippi Ave", "Williams Ave",
           "SE 28th", "NE 15th", "Burnside", "Foster Rd", "Woodstock Blvd", "Lombard",
           "Sandy Blvd", "Hawthorne Blvd", "Vancouver Ave", "Glisan", "Stark St",
           "Interstate Ave", "Macadam", "Powell Blvd", "Prescott", "Halsey", "Morrison",
           "Holgate", "Tillamook St", "Knott St", "Skidmore", "Ainsworth", "Rosa Parks Way",
           "Dekum", "Flavel", "Multnomah Blvd", "Barbur", "Thurman", "Vaughn St", "Kearney"]
CITIES = ["Bend", "Eugene", "Spokane", "Boise", "Tacoma", "Sacramento", "Santa Fe", "Tucson",
          "Asheville", "Duluth", "Missoula", "Bozeman", "Flagstaff", "Olympia", "Medford",
          "Astoria", "Hood River", "Walla Walla", "Ashland", "Corvallis", "Bellingham",
          "Reno", "Fresno", "Albuquerque", "Omaha", "Madison", "Burlington", "Savannah",
          "Pittsburgh", "Minneapolis", "Tulsa", "Raleigh", "Anchorage", "Honolulu"]
AIRLINES = ["Alaska", "Southwest", "United", "Delta", "JetBlue", "Frontier", "Hawaiian"]
SHOPS = ["Fred Meyer", "New Seasons", "REI", "Powell's", "Target", "Costco", "Home Depot",
         "Ace Hardware", "Trader Joe's", "Walgreens", "Best Buy", "the co-op", "Goodwill",
         "Nordstrom Rack", "Bi-Mart", "Winco"]
ITEMS = ["the concert tickets", "the cabin deposit", "the group gift", "the pizza", "the Uber",
         "the Airbnb cleaning fee", "the parking", "the birthday cake", "the ski rental",
         "the ferry tickets", "the brunch", "the moving truck", "the flowers", "the wine",
         "the escape room", "the bowling lanes", "the boat rental", "the catering trays"]
PETS = ["Pickles", "Mochi", "Waffles", "Bramble", "Noodle", "Pepper", "Clementine", "Ziggy",
        "Tofu", "Marmalade", "Button", "Olive", "Gizmo", "Hazel", "Pistachio", "Dumpling",
        "Nutmeg", "Basil", "Truffle", "Biscotti", "Sprocket", "Turnip", "Moose"]
ACTIVITIES = ["swim lesson", "piano recital", "soccer game", "swim meet",
              "school play", "robotics club", "ballet class", "chess tournament",
              "karate test", "violin lesson", "science fair", "climbing class"]
VENUES = ["the community center", "Grant High", "the Y on Barnes", "Dishman pool",
          "the library branch", "Matt Dishman", "the rec center", "Laurelhurst Elementary",
          "the old armory", "St. Agatha's hall", "the youth center", "Peninsula Park"]
TRADES = [("plumber", "the water heater"), ("electrician", "the garage outlets"),
          ("roofer", "the flashing by the chimney"), ("arborist", "the big maple"),
          ("chimney sweep", "the fireplace"), ("window guy", "the fogged windows"),
          ("handyman", "the sticking back door"), ("painter", "the porch"),
          ("HVAC tech", "the heat pump"), ("locksmith", "the side gate")]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DISHES = ["the brisket", "the carnitas", "the mushroom toast", "the fried chicken",
          "the halibut", "the gnocchi", "the pho", "the bibimbap", "the lamb shoulder",
          "the shakshuka", "the cacio e pepe", "the katsu", "the green curry", "the burger"]

OPENERS = [
    [(0, "Hey, got a minute?"), (1, "Sure, what's up?")],
    [(1, "Okay, so how did it go?"), (0, "Honestly? Let me tell you.")],
    [(0, "Is this thing recording? Okay."), (1, "Go ahead.")],
    [(1, "Hi! Come in, come in."), (0, "Hi, sorry I'm a couple minutes late.")],
    [(0, "So, quick update."), (1, "Mm-hm.")],
    [(1, "There you are."), (0, "Here I am. Traffic on the bridge, as usual.")],
    [(0, "Alright, let's do this."), (1, "Okay.")],
]
REACTIONS = ["Oh really?", "How did that go?", "Mm-hm.", "That makes sense.",
             "Wait, say that again?", "Huh, interesting.", "And then what?", "Okay, got it.",
             "No way.", "That's a lot.", "Are you sure?", "Yeah, I figured.", "Right.",
             "Oh, wow.", "Hm.", "Totally.", "Ha, of course.", "Seriously?"]
FOLLOW_UPS = ["How do you feel about it?", "Was that the plan all along?",
              "Did anyone else have an opinion?", "Is that normal?",
              "What happens next, then?", "And Jordan was okay with that?",
              "Did you expect that?", "So what's the catch?"]
ANSWERS = ["Pretty good, actually.", "Not really, it just happened that way.",
           "I think so, yeah.", "We'll see. Ask me in a month.",
           "Honestly, better than I expected.", "Kind of. It's complicated.",
           "I mean, it is what it is.", "Yeah, it was the right call."]
CLOSERS = [[(1, "Okay, talk later."), (0, "Bye!")],
           [(0, "Cool, sounds good."), (1, "Sounds good.")],
           [(0, "Alright, I'll let you go.")],
           [(1, "Let's see how it goes."), (0, "Yeah. Okay.")],
           [(0, "Anyway. That's the update.")]]


class Slots:
    """Draws concrete details; names and other key details are never reused."""

    def __init__(self, rng: random.Random, reserved: set[str], taken: set[str]):
        """`reserved`: words no drawn first name may be; `taken`: values never drawn."""
        self.rng = rng
        self.used: set[str] = set()
        self.taken = set(taken)
        self.reserved = {w.lower() for w in reserved}
        self.firsts = [f for f in FIRST if f.lower() not in self.reserved]
        rng.shuffle(self.firsts)

    def first(self) -> str:
        """A first name no other conversation has used (recycled only when all are)."""
        if not self.firsts:
            self.firsts = [f for f in FIRST if f.lower() not in self.reserved]
            self.rng.shuffle(self.firsts)
        return self.firsts.pop()

    def full(self) -> str:
        return self.fresh(lambda: f"{self.first()} {self.rng.choice(LAST)}")

    def unique(self, pool: list[str]) -> str:
        """A pool entry not yet drawn by anyone (any entry once the pool is spent)."""
        fresh = [p for p in pool if p not in self.used]
        pick = self.rng.choice(fresh or pool)
        self.used.add(pick)
        return pick

    def fresh(self, draw) -> str:
        """`draw()` until it gives a value not used yet (a used one after 50 tries), never a
        taken one."""
        for tries in range(1000):
            text = draw()
            if text not in self.taken and (text not in self.used or tries >= 50):
                break
        self.used.add(text)
        return text

    def amount(self, lo: int, hi: int) -> str:
        def draw():
            v = self.rng.randint(lo, hi)
            if v >= 100:
                v = v // 5 * 5 + self.rng.choice([0, 0, 2, 9])
            return f"${v:,}"
        return self.fresh(draw)

    def time(self) -> str:
        hour = self.rng.randint(7, 11) if self.rng.random() < 0.5 else self.rng.randint(1, 6)
        return self.fresh(lambda: f"{hour}:{self.rng.randint(0, 59):02d}")

    def later(self, day: datetime, lo: int, hi: int) -> str:
        """A date a few days after `day`, spoken: "Thursday the 14th"."""
        def draw():
            d = day + timedelta(days=self.rng.randint(lo, hi))
            n = d.day
            suffix = "th" if 11 <= n <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
            if self.rng.random() < 0.5:
                return f"{WEEKDAYS[d.weekday()]} the {n}{suffix}"
            return f"{MONTHS[d.month - 1]} {n}{suffix}"
        return self.fresh(draw)

    def digits(self, n: int) -> str:
        return self.fresh(lambda: str(self.rng.randint(10 ** (n - 1), 10 ** n - 1)))


def side_topics():
    """Side-topic builders: (slots, day) -> lines. Each names new people and details."""

    def neighbour_cat(s, day):
        n, pet = s.first(), s.unique(PETS)
        return [(1, f"Oh, before I forget, {n} from across the street asked if we can feed "
                    f"the cat {pet} while she's in {s.unique(CITIES)}."),
                (0, "When?"),
                (1, f"From {s.later(day, 3, 9)} for five days. Twice a day, the food's in the garage."),
                (0, f"Sure, tell {n} yes.")]

    def reimburse(s, day):
        n, item, amt = s.first(), s.unique(ITEMS), s.amount(24, 480)
        return [(0, f"Did {n} ever pay you back for {item}?"),
                (1, f"Yeah, {amt} on Venmo, {s.later(day, -6, -1)}."),
                (0, "Good, I was about to bring it up.")]

    def tradesperson(s, day):
        trade, job = s.rng.choice(TRADES)
        n, rec = s.full(), s.first()
        return [(1, f"{rec} recommended a {trade}, {n}, for {job}."),
                (0, "Are they expensive?"),
                (1, f"{s.amount(95, 420)} for the visit, and he can come {s.later(day, 2, 8)} "
                    f"between {s.time()} and noon."),
                (0, f"Book {n.split()[0]}, then.")]

    def flight(s, day):
        n, city, air = s.first(), s.unique(CITIES), s.rng.choice(AIRLINES)
        return [(1, f"My cousin {n} is flying in from {city}, by the way."),
                (0, "Oh nice, when?"),
                (1, f"{s.later(day, 4, 20)}, {air} flight {s.digits(4)}, lands at {s.time()}."),
                (0, f"I can pick {n} up if you're busy."),
                (1, "You're the best.")]

    def kid_activity(s, day):
        kid, act, venue = s.first(), s.rng.choice(ACTIVITIES), s.unique(VENUES)
        return [(2, f"Wait, what time is {kid}'s {act} on {WEEKDAYS[s.rng.randrange(7)]}?"),
                (1, f"{s.time()}, at {venue}."),
                (2, "Okay, I'll bring snacks.")]

    def ran_into(s, day):
        n, shop, co = s.full(), s.rng.choice(SHOPS), s.full().split()[1]
        return [(0, f"Oh, I ran into {n} at {shop}."),
                (1, "No way, how are they doing?"),
                (0, f"Good! She's starting at {co} and Partners in {MONTHS[(day.month + 1) % 12]}."),
                (1, "Tell her congrats from me.")]

    def ticket(s, day):
        amt, street = s.amount(38, 160), s.unique(STREETS)
        return [(1, f"Also, the parking ticket from {street} came in the mail."),
                (0, "How much?"),
                (1, f"{amt}, due {s.later(day, 14, 30)}."),
                (0, "Ugh. I'll pay it tonight.")]

    def birthday(s, day):
        n, street = s.first(), s.unique(STREETS)
        return [(1, f"{n}'s birthday is {s.later(day, 5, 25)}, she wants dinner at the new "
                    f"place on {street}."),
                (0, "The one with the patio? I'll make a reservation for seven.")]

    def delivery(s, day):
        shop = s.rng.choice(SHOPS)
        return [(0, f"The package from {shop} is supposed to come {s.later(day, 1, 4)}."),
                (1, "Between when and when?"),
                (0, f"They said {s.time()} to five. Tracking number ends in {s.digits(4)}.")]

    def landlord(s, day):
        n, room = s.full(), s.rng.choice(["the lobby", "the library meeting room", "Zoom",
                                          "the church basement", "the garden shed"])
        return [(2, f"Are you going to the neighbourhood association meeting? {n} is running it."),
                (0, "When is it?"),
                (2, f"{s.later(day, 3, 12)} at {s.time()}, in {room}."),
                (0, "Maybe. If it's not about parking again.")]

    def plants(s, day):
        n, city = s.first(), s.unique(CITIES)
        return [(1, f"{n} is going to {city} for a wedding and asked us to water her tomatoes."),
                (0, f"How long is {n} gone?"),
                (1, f"Until {s.later(day, 6, 12)}. Key's under the blue pot.")]

    def book_loan(s, day):
        n = s.full()
        title = s.rng.choice(["The Goldfinch", "Station Eleven", "The Power Broker",
                              "Pachinko", "A Gentleman in Moscow", "The Vanishing Half",
                              "Sapiens", "The Remains of the Day", "Educated", "Circe",
                              "Shantaram", "Lonesome Prairie"])
        return [(1, f"Did you ever give {n.split()[0]} back {title}?"),
                (0, f"No! {n} is going to kill me. It's on my nightstand."),
                (1, "Bring it Sunday.")]

    def car(s, day):
        n, street = s.first(), s.unique(STREETS)
        return [(0, f"The car's making that noise again. {n} at the shop on {street} said "
                    f"it's probably the brake pads."),
                (1, "How much?"),
                (0, f"{s.amount(180, 640)}, and they can take it {s.later(day, 2, 7)}.")]

    def vet_reminder(s, day):
        return [(1, f"Biscuit's booster shot is {s.later(day, 7, 21)} at {s.time()}, just so "
                    "you know."),
                (0, "Put it in the shared calendar?")]

    def restaurant_rec(s, day):
        n, dish, street = s.first(), s.rng.choice(DISHES), s.unique(STREETS)
        return [(2, f"Have you been to that spot on {street}? {n} says {dish} is the best in town."),
                (0, f"{n} says that about everything."),
                (2, "Fair, but she's right this time.")]

    def podcast(s, day):
        n = s.full()
        return [(1, f"Oh, I heard {n} on that podcast, the one about cities."),
                (0, "The urbanist? What did she say?"),
                (1, f"That {s.rng.randint(3, 9)}0 percent of downtown is parking. Can you imagine?")]

    return [neighbour_cat, reimburse, tradesperson, flight, kid_activity, ran_into, ticket,
            birthday, delivery, landlord, plants, book_loan, car, vet_reminder,
            restaurant_rec, podcast]


SIDE_TOPICS = side_topics()


def topic_detail(s: Slots, spec: dict, day: datetime) -> list[tuple[int, str]]:
    """A detail about the conversation's own topic, chosen by its words (or none)."""
    text = (spec["title"] + " " + spec["overview"]).lower()

    def has(*words):
        return any(re.search(rf"\b{w}", text) for w in words)

    if has("doctor", "clinic", "exam", "vet", "pharmacy", "shot", "glasses", "therapist"):
        who = s.full()
        return [(1, "Who did you end up seeing?"),
                (0, f"{who.split()[0]} {who.split()[1]}, she's new there. Really thorough."),
                (1, "And the copay?"), (0, f"{s.amount(15, 90)}, thank goodness.")]
    if has("dinner", "lunch", "bistro", "diner", "ramen", "sushi", "taco", "brunch", "steakhouse",
           "omakase", "meal"):
        return [(1, "What did you get?"),
                (0, f"{s.rng.choice(DISHES).capitalize()}, and we split a dessert."),
                (1, "And the damage?"), (0, f"{s.amount(38, 240)} with tip.")]
    if has("trip", "weekend in", "camped", "camping", "travel", "flight", "retreat", "ferry"):
        return [(1, "Where did you stay?"),
                (0, f"A little place run by a guy called {s.full()}, {s.amount(89, 260)} a night."),
                (1, "Worth it?"), (0, "Totally worth it.")]
    if has("standup", "1:1", "meeting", "review", "offsite", "planning", "call", "interview",
           "hiring", "customer"):
        return [(1, "When do we pick this up again?"),
                (0, f"{s.later(day, 1, 9)} at {s.time()}. I'll send the invite."),
                (2, f"Loop in {s.first()} from support, they'll want to hear it.")]
    if has("bought", "buy", "shop", "store", "repair", "quote", "sofa", "frames", "desk"):
        return [(1, "Where from?"),
                (0, f"A place on {s.unique(STREETS)}. The guy, {s.first()}, gave us a deal."),
                (1, "How much?"), (0, f"{s.amount(40, 900)}.")]
    if has("concert", "symphony", "jazz", "album", "karaoke", "busker", "band", "music"):
        return [(1, "Who else was there?"),
                (0, f"{s.first()} and her roommate. We sat in row {s.rng.choice('DEFGHJKLM')}.")]
    return []


def spoken(sentence: str) -> str:
    """An overview sentence as Sam would say it."""
    for a, b in [("Went ", "I went "), ("Got ", "I got "), ("Had ", "I had "),
                 ("Spent ", "I spent "), ("Took ", "I took "), ("Made ", "I made "),
                 ("Did ", "I did "), ("Saw ", "I saw "), ("Found ", "I found "),
                 ("Talked ", "We talked "), ("Walked ", "We walked "), ("Played ", "We played ")]:
        if sentence.startswith(a):
            return b + sentence[len(a):]
    return sentence


def target_length(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.10:
        return rng.randint(5, 10)
    if roll < 0.82:
        return rng.randint(12, 40)
    if roll < 0.94:
        return rng.randint(41, 59)
    return rng.randint(60, 90)


def lines_for(rng: random.Random, s: Slots, spec: dict, day: datetime) -> list[tuple[int, str]]:
    """The spoken lines of one conversation, as (speaker, text)."""
    want = target_length(rng)
    lines: list[tuple[int, str]] = list(rng.choice(OPENERS))
    details = list(DETAILS.get(spec["title"], []))
    overview = [x.strip() for x in re.split(r"(?<=[.!?])\s+", spec["overview"]) if x.strip()]
    for i, sentence in enumerate(overview):
        lines.append((0, spoken(sentence)))
        if rng.random() < 0.75:
            lines.append((1, rng.choice(REACTIONS)))
        if i == 0 and details:
            lines.extend(details)
            details = []
        if rng.random() < 0.3:
            lines.append((1, rng.choice(FOLLOW_UPS)))
            lines.append((0, rng.choice(ANSWERS)))
    lines.extend(details)
    lines.extend(topic_detail(s, spec, day))
    middle = []
    topics = rng.sample(SIDE_TOPICS, len(SIDE_TOPICS))
    while len(lines) + len(middle) + 4 < want and topics:
        middle.extend(topics.pop()(s, day))
        if rng.random() < 0.4:
            middle.append((1, rng.choice(["Anyway.", "Sorry, where were we?", "Okay, back to it."])))
    lines.extend(middle)
    for a in spec.get("actions", []):
        lines.append((0, f"I need to {a[0].lower()}{a[1:]}."))
        if rng.random() < 0.5:
            lines.append((1, rng.choice(["Want me to remind you?", "Don't forget.",
                                          "Good idea.", "Put it on the list."])))
    lines.extend(rng.choice(CLOSERS))
    if want <= 10:
        # A short conversation: the opening, the gist and the hand-written details only.
        keep = set(DETAILS.get(spec["title"], []))
        head = lines[:2] + [ln for ln in lines[2:] if ln in keep or ln[0] == 0][:want]
        lines = head
    return lines


def timed(rng: random.Random, lines: list[tuple[int, str]], language_rate: float = 14.0):
    """Segments with speaker fields and realistic start/end seconds."""
    voices = {0: 0, 1: 1, 2: 2, 3: 3}
    segs, t = [], round(rng.uniform(0.0, 4.0), 2)
    for spk, text in lines:
        spk = voices[spk]
        dur = round(0.6 + len(text) / rng.uniform(language_rate - 2, language_rate + 3), 2)
        segs.append({"text": text, "speaker": f"SPEAKER_{spk:02d}", "speaker_id": spk,
                     "is_user": spk == 0, "start": round(t, 2), "end": round(t + dur, 2)})
        t += dur + (rng.uniform(0.2, 1.5) if rng.random() < 0.85 else rng.uniform(3.0, 25.0))
    return segs


def transcript(rng: random.Random, s: Slots, spec: dict, day: datetime) -> list[dict]:
    """Transcript segments for one conversation spec (explicit ``lines`` kept as written)."""
    if spec.get("lines"):
        return timed(rng, [(0 if i % 2 == 0 else 1, t) for i, t in enumerate(spec["lines"])])
    return timed(rng, lines_for(rng, s, spec, day))
